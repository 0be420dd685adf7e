using EmsSharp.Protocols.Rtmp.Amf0;

namespace EmsSharp.Protocols.Rtmp;

/// <summary>An event of an <see cref="RtmpServerSession"/>, drained with <see cref="RtmpServerSession.TryPollEvent"/>.</summary>
/// <param name="Kind">What happened.</param>
/// <param name="MessageStreamId">The RTMP message stream (NetStream) it concerns.</param>
/// <param name="StreamName">The stream name as the client sent it (query included), for publish and play events.</param>
/// <param name="Timestamp">Media timestamp in milliseconds (32-bit, may wrap) for audio and video.</param>
/// <param name="Payload">The FLV tag body of audio and video messages; a buffer of its own, safe to keep.</param>
/// <param name="Metadata">The onMetaData object or ECMA array, for <see cref="RtmpServerEventKind.Metadata"/>.</param>
public readonly record struct RtmpServerEvent(
    RtmpServerEventKind Kind,
    uint MessageStreamId,
    string? StreamName,
    uint Timestamp,
    ReadOnlyMemory<byte> Payload,
    Amf0Value Metadata);
