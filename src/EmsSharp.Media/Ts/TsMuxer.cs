using EmsSharp.Media.Aac;
using EmsSharp.Media.H264;
using EmsSharp.Media.Hub;

namespace EmsSharp.Media.Ts;

/// <summary>
/// A single-program MPEG transport stream (ISO/IEC 13818-1 / ITU-T H.222.0) of a live stream's H.264 video
/// (stream_type 0x1B, §2.14: Annex B byte stream, an access unit delimiter first and the SPS/PPS before every IDR) and
/// AAC audio (stream_type 0x0F, each frame with an ADTS header, ISO/IEC 14496-3 §1.A.2). Other tracks are left out
/// (<see cref="CarriesVideo"/>, <see cref="CarriesAudio"/>). Sans-IO: each <see cref="Write"/> turns one frame into one
/// PES packet cut into transport packets, preceded by the PAT and PMT at every video keyframe and at least every
/// <see cref="TableInterval"/> of media time, and leaves them in <see cref="Packets"/> (a buffer reused by the next call).
/// Timestamps are 90 kHz from the first frame plus <see cref="DecodeDelay"/>; the PCR, on the video PID (the audio PID
/// when there is no video), is each PES's DTS less that delay, so every access unit arrives before it is decoded (§2.4.2).
/// </summary>
public sealed class TsMuxer
{
    /// <summary>The PMT's PID (ffmpeg's default too).</summary>
    public const int PmtPid = 0x1000;

    /// <summary>The H.264 stream's PID.</summary>
    public const int VideoPid = 0x100;

    /// <summary>The AAC stream's PID.</summary>
    public const int AudioPid = 0x101;

    /// <summary>stream_type of H.264 (Table 2-34: AVC video stream as defined in ITU-T H.264).</summary>
    public const byte H264StreamType = 0x1B;

    /// <summary>stream_type of AAC with ADTS transport syntax (Table 2-34: ISO/IEC 13818-7 audio with ADTS).</summary>
    public const byte AdtsStreamType = 0x0F;

    /// <summary>Media time between two PAT/PMT pairs at most, 90 kHz (100 ms; §2.4.4 sets no bound, players expect this).</summary>
    public const long TableInterval = 9_000;

    /// <summary>How far the first DTS is ahead of the PCR, 90 kHz: 0.7 s, as ffmpeg's default <c>muxdelay</c>.</summary>
    public const long DecodeDelay = 63_000;

    private static readonly byte[] AccessUnitDelimiter = [0, 0, 0, 1, 0x09, 0xF0]; // H.264 §7.3.2.4, primary_pic_type 7 (any)
    private readonly TsPacketWriter _packets = new();
    private readonly byte[] _pat;
    private readonly byte[] _pmt;
    private readonly byte[]? _parameterSets; // the SPS and PPS, Annex B
    private readonly AudioSpecificConfig? _audioConfig;
    private readonly int _audioRate;
    private readonly int _pcrPid;
    private byte[] _pes = new byte[64 * 1024];
    private long _origin = long.MinValue;
    private long _lastTables = -TableInterval; // the first frame gets the tables whatever it is

    /// <summary>A muxer of <paramref name="video"/> and <paramref name="audio"/>, each left out when it is not H.264 or AAC.</summary>
    public TsMuxer(VideoTrackConfig? video, AudioTrackConfig? audio)
    {
        if (video is { Codec: MediaCodec.H264 } && AvcDecoderConfigurationRecord.TryRead(video.DecoderConfiguration.Span, out var record, out _)
            && record.SequenceParameterSets.Count > 0 && record.PictureParameterSets.Count > 0)
        {
            _parameterSets = [.. record.SequenceParameterSets.Concat(record.PictureParameterSets).SelectMany(static n => (byte[])[0, 0, 0, 1, .. n])];
        }

        if (audio is { Codec: MediaCodec.Aac } && AudioSpecificConfig.TryRead(audio.DecoderConfiguration.Span, out var config, out _)
            && AdtsHeader.ForPayload(config, 0).TryWrite(stackalloc byte[AdtsHeader.Size], out _))
        {
            (_audioConfig, _audioRate) = (config, audio.SampleRate);
        }

        var streams = new List<(byte, int)>(2);
        if (CarriesVideo)
        {
            streams.Add((H264StreamType, VideoPid));
        }

        if (CarriesAudio)
        {
            streams.Add((AdtsStreamType, AudioPid));
        }

        _pcrPid = CarriesVideo ? VideoPid : AudioPid;
        _pat = TsProgramTables.Pat(PmtPid);
        _pmt = TsProgramTables.Pmt(PmtPid, _pcrPid, streams.ToArray());
    }

    /// <summary>Whether the video track is in the stream (H.264 with its SPS and PPS).</summary>
    public bool CarriesVideo => _parameterSets is not null;

    /// <summary>Whether the audio track is in the stream (AAC whose config an ADTS header can express).</summary>
    public bool CarriesAudio => _audioConfig is not null;

    /// <summary>The transport packets of the last <see cref="Write"/>, valid until the next.</summary>
    public ReadOnlySpan<byte> Packets => _packets.Packets;

    /// <summary>Muxes one frame; false (and no packets) when its track is left out or the frame is malformed.</summary>
    public bool Write(in MediaFrame frame)
    {
        _packets.Clear();
        if (frame.Kind == TrackKind.Video && frame.Codec == MediaCodec.H264 && CarriesVideo)
        {
            return WriteVideo(frame);
        }

        return frame.Kind == TrackKind.Audio && frame.Codec == MediaCodec.Aac && CarriesAudio && WriteAudio(frame);
    }

    private bool WriteVideo(in MediaFrame frame)
    {
        // One pass over the access unit (AVCC, 4-byte lengths, as the hub keeps it) to size it and see what it brings.
        var au = frame.Payload.Span;
        var (annexB, hasDelimiter, hasSps, first) = (0, false, false, true);
        var nals = new AvccNalEnumerator(au);
        while (nals.MoveNext())
        {
            var type = NalUnitHeader.GetType(nals.Current[0]);
            hasDelimiter |= first && type == NalUnitType.AccessUnitDelimiter;
            hasSps |= type == NalUnitType.Sps;
            annexB += 4 + nals.Current.Length;
            first = false;
        }

        if (nals.IsMalformed || annexB == 0)
        {
            return false;
        }

        ReadOnlySpan<byte> prefix = hasDelimiter ? [] : AccessUnitDelimiter;
        ReadOnlySpan<byte> parameterSets = frame.IsKeyframe && !hasSps ? _parameterSets : [];
        var dts = Timestamp(frame.Dts, VideoTrackConfig.ClockRate); // first: the file's first DTS is its origin
        var pts = Timestamp(frame.Pts, VideoTrackConfig.ClockRate);
        var dataLength = prefix.Length + parameterSets.Length + annexB;
        var pes = Pes(PesHeader.GetSize(pts, dts) + dataLength);
        var at = PesHeader.Write(pes, PesHeader.VideoStreamId, pts, dts, dataLength, unbounded: true);
        prefix.CopyTo(pes[at..]);
        parameterSets.CopyTo(pes[(at + prefix.Length)..]);
        AnnexB.TryConvertToAnnexB(au, pes[(at + prefix.Length + parameterSets.Length)..], out _);
        WriteTables(dts, frame.IsKeyframe);
        _packets.WritePes(VideoPid, pes, Pcr(dts, VideoPid), frame.IsKeyframe);
        return true;
    }

    private bool WriteAudio(in MediaFrame frame)
    {
        var raw = frame.Payload.Span;
        Span<byte> adts = stackalloc byte[AdtsHeader.Size];
        if (raw.IsEmpty || !AdtsHeader.ForPayload(_audioConfig!, raw.Length).TryWrite(adts, out _))
        {
            return false; // an empty frame, or longer than aac_frame_length can say (8191 bytes)
        }

        var pts = Timestamp(frame.Pts, _audioRate);
        var dataLength = adts.Length + raw.Length;
        var pes = Pes(PesHeader.GetSize(pts, pts) + dataLength);
        var at = PesHeader.Write(pes, PesHeader.AudioStreamId, pts, pts, dataLength, unbounded: false);
        adts.CopyTo(pes[at..]);
        raw.CopyTo(pes[(at + adts.Length)..]);
        WriteTables(pts, keyframe: false);
        _packets.WritePes(AudioPid, pes, Pcr(pts, AudioPid), randomAccess: !CarriesVideo); // every AAC frame is a sync point
        return true;
    }

    // The PAT and PMT before a keyframe (a player starts there) and whenever TableInterval of media time went by.
    private void WriteTables(long dts, bool keyframe)
    {
        if (keyframe || dts - _lastTables >= TableInterval || dts < _lastTables) // (the last: 33-bit wrap)
        {
            _packets.WriteTable(_pat, TsProgramTables.PatPid);
            _packets.WriteTable(_pmt, PmtPid);
            _lastTables = dts;
        }
    }

    private long Pcr(long dts, int pid) => pid == _pcrPid ? (dts - DecodeDelay) & PesHeader.TimestampMask : -1;

    // The frame's time in 90 kHz from the first frame, plus the decoder's delay, in 33 bits (§2.4.3.7).
    private long Timestamp(long time, int clockRate)
    {
        var ticks = clockRate == VideoTrackConfig.ClockRate ? time : time * VideoTrackConfig.ClockRate / clockRate;
        if (_origin == long.MinValue)
        {
            _origin = ticks;
        }

        return (ticks - _origin + DecodeDelay) & PesHeader.TimestampMask;
    }

    private Span<byte> Pes(int length)
    {
        if (length > _pes.Length)
        {
            _pes = new byte[Math.Max(length, _pes.Length * 2)];
        }

        return _pes.AsSpan(0, length);
    }
}
