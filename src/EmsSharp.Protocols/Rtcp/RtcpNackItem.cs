namespace EmsSharp.Protocols.Rtcp;

/// <summary>One generic NACK FCI entry: a lost packet id and a bitmask of the 16 following ones (RFC 4585 §6.2.1).</summary>
/// <param name="PacketId">Sequence number of a lost packet (PID).</param>
/// <param name="LostBitmask">Bit i set: PID + i + 1 is lost too (BLP).</param>
public readonly record struct RtcpNackItem(ushort PacketId, ushort LostBitmask);
