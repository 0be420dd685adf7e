namespace EmsSharp.Media.Hub;

/// <summary>The configuration of a live stream's audio track.</summary>
/// <param name="Codec">The audio codec.</param>
/// <param name="DecoderConfiguration">
/// For AAC the AudioSpecificConfig (ISO/IEC 14496-3 §1.6.2.1) as received; for Opus its identification header
/// (RFC 7845 §5.1) when the source has one, else empty (RTP carries none); empty for PCMU/PCMA. Immutable; never
/// written after publication.
/// </param>
/// <param name="SampleRate">Sample rate in Hz; also the clock rate of this track's timestamps.</param>
/// <param name="Channels">Number of channels.</param>
public sealed record AudioTrackConfig(MediaCodec Codec, ReadOnlyMemory<byte> DecoderConfiguration, int SampleRate, int Channels)
{
    /// <summary>The clock rate of this track's timestamps (= <see cref="SampleRate"/>).</summary>
    public int ClockRate => SampleRate;
}
