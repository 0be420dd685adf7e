namespace EmsSharp.Protocols.Rtcp;

/// <summary>One packet's entry in transport-wide feedback.</summary>
/// <param name="SequenceNumber">Transport-wide sequence number.</param>
/// <param name="State">Whether and how it was received.</param>
/// <param name="Delta">Receive delta from the previous received packet (or the reference time), in 250 µs units.</param>
public readonly record struct RtcpTransportPacketStatus(ushort SequenceNumber, RtcpTransportPacketState State, short Delta);
