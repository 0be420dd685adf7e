namespace EmsSharp.Media.Hub;

/// <summary>The configuration of a live stream's video track.</summary>
/// <param name="Codec">The video codec (today always <see cref="MediaCodec.H264"/>).</param>
/// <param name="DecoderConfiguration">
/// For H.264 the AVCDecoderConfigurationRecord (ISO/IEC 14496-15 §5.3.3.1), i.e. the payload of an
/// <c>avcC</c> box, as received. Immutable; never written after publication.
/// </param>
/// <param name="Width">Width in pixels when the publisher announced it, else 0.</param>
/// <param name="Height">Height in pixels when the publisher announced it, else 0.</param>
public sealed record VideoTrackConfig(MediaCodec Codec, ReadOnlyMemory<byte> DecoderConfiguration, int Width, int Height)
{
    /// <summary>The clock rate of this track's timestamps: 90 kHz.</summary>
    public const int ClockRate = 90_000;
}
