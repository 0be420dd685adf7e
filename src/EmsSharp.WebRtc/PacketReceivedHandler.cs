namespace EmsSharp.WebRtc;

/// <summary>Receives a packet from a session; the span is valid only during the call.</summary>
public delegate void PacketReceivedHandler(PeerSession session, ReadOnlySpan<byte> packet);
