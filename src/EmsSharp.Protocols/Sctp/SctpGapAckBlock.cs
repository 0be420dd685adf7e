namespace EmsSharp.Protocols.Sctp;

/// <summary>A gap ack block: TSN offsets from the cumulative TSN ack, inclusive (RFC 9260 §3.3.4).</summary>
internal readonly record struct SctpGapAckBlock(ushort Start, ushort End);
