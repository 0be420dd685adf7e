using EmsSharp.Media.Aac;
using EmsSharp.Media.Opus;

namespace EmsSharp.Media.Fmp4;

/// <summary>
/// An audio track for the muxer: AAC (its AudioSpecificConfig; timescale = sampling frequency) or Opus (its identification
/// header; timescale 48000, as "Encapsulation of Opus in ISO Base Media File Format" §4.3.1 recommends and RTP's Opus
/// clock is).
/// </summary>
public sealed class Fmp4AudioTrack
{
    private Fmp4AudioTrack(AudioSpecificConfig? aac, OpusHeader? opus)
    {
        Aac = aac;
        Opus = opus;
    }

    /// <summary>track_ID used in the init segment and fragments.</summary>
    public const uint TrackId = 2;

    /// <summary>The Opus timescale: every Opus stream decodes at 48 kHz (RFC 6716 §2).</summary>
    public const uint OpusTimescale = 48_000;

    /// <summary>The parsed AudioSpecificConfig of an AAC track (its <see cref="AudioSpecificConfig.Raw"/> goes into esds); null for Opus.</summary>
    public AudioSpecificConfig? Aac { get; }

    /// <summary>The identification header of an Opus track (it becomes the dOps box); null for AAC.</summary>
    public OpusHeader? Opus { get; }

    /// <summary>Media timescale: DTS are in 1/SamplingFrequency s for AAC, 1/48000 s for Opus.</summary>
    public uint Timescale => Aac is { } aac ? (uint)aac.SamplingFrequency : OpusTimescale;

    /// <summary>Channel count for the sample entry (for AAC 2 when the config defers to a PCE).</summary>
    public int ChannelCount => Aac is null ? Opus!.ChannelCount : Aac.ChannelConfiguration switch
    {
        0 => 2,
        7 => 8,
        var c when c <= 6 => c,
        _ => 2,
    };

    /// <summary>
    /// A sample's duration in the timescale when nothing follows it to tell: an AAC frame, or 20 ms of Opus (the frame
    /// duration WebRTC senders use; RFC 7587 §4.2 leaves it to the sender).
    /// </summary>
    public int SamplesPerFrame => Aac?.SamplesPerFrame ?? 960;

    /// <summary>The RFC 6381 codecs parameter: mp4a.40.&lt;object type&gt;, or <c>opus</c> (as MSE names it).</summary>
    public string CodecString => Aac?.CodecString ?? "opus";

    /// <summary>Builds an AAC track from AudioSpecificConfig bytes. False when they do not parse.</summary>
    public static bool TryCreate(ReadOnlySpan<byte> audioSpecificConfig, out Fmp4AudioTrack track)
    {
        track = null!;
        if (!AudioSpecificConfig.TryRead(audioSpecificConfig, out var config, out _))
        {
            return false;
        }

        track = new Fmp4AudioTrack(config, null);
        return true;
    }

    /// <summary>
    /// Builds an Opus track from the stream's identification header (RFC 7845 §5.1) or, when it has none (WebRTC's RTP
    /// carries none), from its channel count with <see cref="OpusHeader.DefaultPreSkip"/>. False when a header is there
    /// but does not parse, or there is none and the channel count is not 1 or 2.
    /// </summary>
    public static bool TryCreateOpus(ReadOnlySpan<byte> opusHead, int channelCount, out Fmp4AudioTrack track)
    {
        track = null!;
        OpusHeader header;
        if (!opusHead.IsEmpty)
        {
            if (!OpusHeader.TryRead(opusHead, out header, out _))
            {
                return false;
            }
        }
        else if (channelCount is 1 or 2)
        {
            header = OpusHeader.CreateDefault(channelCount);
        }
        else
        {
            return false;
        }

        track = new Fmp4AudioTrack(null, header);
        return true;
    }
}
