using EmsSharp.Media.H264;

namespace EmsSharp.Media.Fmp4;

/// <summary>An H.264 track for the muxer: the raw avcC bytes as the hub stores them, timescale 90 kHz.</summary>
public sealed class Fmp4VideoTrack
{
    private Fmp4VideoTrack(byte[] avcC, AvcDecoderConfigurationRecord record, int width, int height)
    {
        AvcC = avcC;
        Record = record;
        Width = width;
        Height = height;
    }

    /// <summary>track_ID used in the init segment and fragments.</summary>
    public const uint TrackId = 1;

    /// <summary>Media timescale: DTS/PTS are in 1/90000 s.</summary>
    public const uint Timescale = 90000;

    /// <summary>The AVCDecoderConfigurationRecord bytes (avcC box body).</summary>
    public byte[] AvcC { get; }

    /// <summary>The parsed record.</summary>
    public AvcDecoderConfigurationRecord Record { get; }

    /// <summary>Cropped width from the SPS.</summary>
    public int Width { get; }

    /// <summary>Cropped height from the SPS.</summary>
    public int Height { get; }

    /// <summary>avc1.PPCCLL.</summary>
    public string CodecString => Record.CodecString;

    /// <summary>
    /// Builds a track from avcC bytes. False when the record is malformed, its first SPS does not parse,
    /// or its NAL length size is not 4 (the hub's AVCC samples use 4-byte lengths).
    /// </summary>
    public static bool TryCreate(ReadOnlySpan<byte> avcC, out Fmp4VideoTrack track)
    {
        track = null!;
        if (!AvcDecoderConfigurationRecord.TryRead(avcC, out var record, out _) || record.NalLengthSize != 4
            || !SequenceParameterSetParser.TryParse(record.SequenceParameterSets[0], out var sps)
            || sps.Width > ushort.MaxValue || sps.Height > ushort.MaxValue)
        {
            return false;
        }

        track = new Fmp4VideoTrack(avcC.ToArray(), record, sps.Width, sps.Height);
        return true;
    }
}
