namespace EmsSharp.Protocols.Rtcp;

/// <summary>One FIR FCI entry (RFC 5104 §4.3.1.1).</summary>
/// <param name="Ssrc">SSRC of the media sender asked for a decoder refresh.</param>
/// <param name="SequenceNumber">Command sequence number, incremented per new request.</param>
public readonly record struct RtcpFirEntry(uint Ssrc, byte SequenceNumber);
