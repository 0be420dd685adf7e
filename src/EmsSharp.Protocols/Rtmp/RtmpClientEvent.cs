using EmsSharp.Protocols.Rtmp.Amf0;

namespace EmsSharp.Protocols.Rtmp;

/// <summary>An event of an <see cref="RtmpClientSession"/>, drained with <see cref="RtmpClientSession.TryPollEvent"/>.</summary>
/// <param name="Kind">What happened.</param>
/// <param name="Timestamp">Media timestamp in milliseconds (32-bit, may wrap) for audio and video.</param>
/// <param name="Payload">The FLV tag body of audio and video messages; a buffer of its own, safe to keep.</param>
/// <param name="Metadata">The onMetaData object or ECMA array, for <see cref="RtmpClientEventKind.Metadata"/>.</param>
public readonly record struct RtmpClientEvent(RtmpClientEventKind Kind, uint Timestamp, ReadOnlyMemory<byte> Payload, Amf0Value Metadata);
