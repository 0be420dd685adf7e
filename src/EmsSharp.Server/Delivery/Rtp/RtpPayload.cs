namespace EmsSharp.Server.Delivery.Rtp;

/// <summary>One RTP payload of an access unit, shared by every viewer (never written after packaging).</summary>
/// <param name="Bytes">The payload (a STAP-A, single NAL unit or FU-A fragment for H.264; the frame for audio).</param>
/// <param name="Marker">The RTP marker bit: set on the last payload of a video access unit (RFC 6184 §5.1).</param>
internal readonly record struct RtpPayload(ReadOnlyMemory<byte> Bytes, bool Marker);
