namespace EmsSharp.Protocols.Rtmp;

/// <summary>Bounds on what one RTMP peer may make the server buffer.</summary>
public sealed record RtmpLimits
{
    /// <summary>Longest message accepted (the wire field allows 16 MiB - 1).</summary>
    public int MaxMessageLength { get; init; } = 8 * 1024 * 1024;

    /// <summary>Largest chunk size a peer may set with Set Chunk Size.</summary>
    public int MaxChunkSize { get; init; } = 0xFFFFFF;

    /// <summary>Most chunk streams one connection may use at once.</summary>
    public int MaxChunkStreams { get; init; } = 64;

    /// <summary>Most bytes held in partly received messages across all chunk streams.</summary>
    public long MaxPendingBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>Defaults.</summary>
    public static RtmpLimits Default { get; } = new();
}
