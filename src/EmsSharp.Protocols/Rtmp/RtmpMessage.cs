namespace EmsSharp.Protocols.Rtmp;

/// <summary>
/// One reassembled RTMP message. The payload is a buffer of its own (not pooled, never reused), so it may
/// be kept and shared, e.g. sliced into a hub frame without a copy.
/// </summary>
/// <param name="TypeId">The message type id (<see cref="RtmpMessageType"/>).</param>
/// <param name="Timestamp">The message timestamp in milliseconds (32-bit, may wrap).</param>
/// <param name="MessageStreamId">The message stream id (0 for control and NetConnection commands).</param>
/// <param name="Payload">The message payload.</param>
public readonly record struct RtmpMessage(byte TypeId, uint Timestamp, uint MessageStreamId, ReadOnlyMemory<byte> Payload)
{
    /// <summary>The type id as an enum.</summary>
    public RtmpMessageType Type => (RtmpMessageType)TypeId;
}
