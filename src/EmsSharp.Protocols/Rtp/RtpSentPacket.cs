namespace EmsSharp.Protocols.Rtp;

/// <summary>
/// What the send history keeps of one sent RTP packet: the header facts that differ per packet and a reference to
/// its payload, which is immutable and shared by every viewer of the stream (never copied per viewer). Enough to
/// rebuild the packet byte for byte, or its RTX form (RFC 4588 §4).
/// </summary>
/// <param name="SequenceNumber">RTP sequence number on this viewer's SSRC.</param>
/// <param name="Timestamp">RTP timestamp (offset included).</param>
/// <param name="Marker">Marker bit.</param>
/// <param name="PayloadType">Payload type.</param>
/// <param name="SentAt">Monotonic send time (also the abs-send-time value written).</param>
/// <param name="TransportSequenceNumber">Transport-wide sequence number written, when that extension is on.</param>
/// <param name="Payload">The payload, shared by reference; must never be written after it was sent.</param>
public readonly record struct RtpSentPacket(
    ushort SequenceNumber, uint Timestamp, bool Marker, byte PayloadType, TimeSpan SentAt, ushort TransportSequenceNumber,
    ReadOnlyMemory<byte> Payload);
