namespace EmsSharp.Server.Delivery.WebRtc;

/// <summary>One audio packet ready for RTP: the codec payload and its RTP timestamp (in the track's clock).</summary>
/// <param name="Payload">Opus packet or G.711 samples; immutable once queued.</param>
/// <param name="Timestamp">RTP timestamp before the viewer's random offset (48 kHz for Opus, 8 kHz for G.711).</param>
internal readonly record struct AudioPacket(ReadOnlyMemory<byte> Payload, uint Timestamp);
