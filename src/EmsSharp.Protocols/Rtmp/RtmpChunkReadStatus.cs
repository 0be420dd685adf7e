namespace EmsSharp.Protocols.Rtmp;

/// <summary>The outcome of <see cref="RtmpChunkReader.TryReadChunk"/>.</summary>
public enum RtmpChunkReadStatus
{
    /// <summary>Not a whole chunk in the buffer; nothing consumed.</summary>
    NeedMoreData,

    /// <summary>A chunk was consumed; its message is not complete yet.</summary>
    ChunkConsumed,

    /// <summary>A chunk was consumed and completed a message.</summary>
    MessageComplete,

    /// <summary>The input violates the protocol or a limit; the connection must be closed.</summary>
    Malformed,
}
