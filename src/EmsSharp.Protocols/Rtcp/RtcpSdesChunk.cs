namespace EmsSharp.Protocols.Rtcp;

/// <summary>One SDES chunk reduced to what WebRTC uses: the source and its CNAME (RFC 3550 §6.5.1).</summary>
/// <param name="Ssrc">The source.</param>
/// <param name="Cname">Its canonical name (empty if the chunk had none).</param>
public readonly record struct RtcpSdesChunk(uint Ssrc, string Cname);
