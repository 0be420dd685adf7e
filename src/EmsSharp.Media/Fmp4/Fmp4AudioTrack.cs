using EmsSharp.Media.Aac;

namespace EmsSharp.Media.Fmp4;

/// <summary>An AAC track for the muxer: the raw AudioSpecificConfig; timescale = sampling frequency.</summary>
public sealed class Fmp4AudioTrack
{
    private Fmp4AudioTrack(AudioSpecificConfig config) => Config = config;

    /// <summary>track_ID used in the init segment and fragments.</summary>
    public const uint TrackId = 2;

    /// <summary>The parsed AudioSpecificConfig (its <see cref="AudioSpecificConfig.Raw"/> goes into esds).</summary>
    public AudioSpecificConfig Config { get; }

    /// <summary>Media timescale: DTS are in 1/SamplingFrequency s.</summary>
    public uint Timescale => (uint)Config.SamplingFrequency;

    /// <summary>Channel count for the sample entry (2 when the config defers to a PCE).</summary>
    public int ChannelCount => Config.ChannelConfiguration switch
    {
        0 => 2,
        7 => 8,
        var c when c <= 6 => c,
        _ => 2,
    };

    /// <summary>mp4a.40.&lt;object type&gt;.</summary>
    public string CodecString => Config.CodecString;

    /// <summary>Builds a track from AudioSpecificConfig bytes. False when they do not parse.</summary>
    public static bool TryCreate(ReadOnlySpan<byte> audioSpecificConfig, out Fmp4AudioTrack track)
    {
        track = null!;
        if (!AudioSpecificConfig.TryRead(audioSpecificConfig, out var config, out _))
        {
            return false;
        }

        track = new Fmp4AudioTrack(config);
        return true;
    }
}
