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
