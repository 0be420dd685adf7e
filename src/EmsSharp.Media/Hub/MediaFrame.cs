namespace EmsSharp.Media.Hub;

/// <summary>
/// One frame of a live stream, as fanned out by the hub. The payload is an immutable buffer shared by
/// every reader (never copied per reader, never written after publication).
/// </summary>
/// <param name="Kind">Which track the frame belongs to.</param>
/// <param name="Codec">The codec of the frame.</param>
/// <param name="Dts">Decoding timestamp in the track's clock rate (video 90 kHz, audio sample rate).</param>
/// <param name="Pts">Presentation timestamp in the track's clock rate.</param>
/// <param name="IsKeyframe">
/// Video: the access unit holds an IDR picture. Audio: always true (every audio frame is a sync point).
/// </param>
/// <param name="Payload">
/// Video: one access unit in AVCC form (4-byte big-endian NAL lengths). Audio: one raw frame (no ADTS).
/// </param>
public readonly record struct MediaFrame(
    TrackKind Kind, MediaCodec Codec, long Dts, long Pts, bool IsKeyframe, ReadOnlyMemory<byte> Payload)
{
    /// <summary>
    /// When the frame entered the hub: a <see cref="System.Diagnostics.Stopwatch.GetTimestamp"/> value, set by
    /// <see cref="LiveStream.Publish"/> unless the publisher set it earlier. Delivery measures the latency it adds from it.
    /// </summary>
    public long ArrivalTimestamp { get; init; }
}
