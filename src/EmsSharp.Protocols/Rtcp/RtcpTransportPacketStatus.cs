namespace EmsSharp.Protocols.Rtcp;

/// <summary>The status symbols of transport-wide feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1.1).</summary>
public enum RtcpTransportPacketState : byte
{
    /// <summary>Packet not received.</summary>
    NotReceived = 0,

    /// <summary>Received, delta 0..63.75 ms in one byte.</summary>
    SmallDelta = 1,

    /// <summary>Received, large or negative delta in two signed bytes.</summary>
    LargeDelta = 2,
}

/// <summary>One packet's entry in transport-wide feedback.</summary>
/// <param name="SequenceNumber">Transport-wide sequence number.</param>
/// <param name="State">Whether and how it was received.</param>
/// <param name="Delta">Receive delta from the previous received packet (or the reference time), in 250 µs units.</param>
public readonly record struct RtcpTransportPacketStatus(ushort SequenceNumber, RtcpTransportPacketState State, short Delta);
