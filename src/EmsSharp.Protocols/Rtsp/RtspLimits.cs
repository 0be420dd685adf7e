namespace EmsSharp.Protocols.Rtsp;

/// <summary>Bounds on what one RTSP peer may make us buffer.</summary>
public sealed record RtspLimits
{
    /// <summary>Longest start line plus header block, in bytes.</summary>
    public int MaxHeaderBytes { get; init; } = 8 * 1024;

    /// <summary>Most header fields in one message.</summary>
    public int MaxHeaderCount { get; init; } = 64;

    /// <summary>Largest Content-Length accepted (an SDP body).</summary>
    public int MaxBodyBytes { get; init; } = 64 * 1024;

    /// <summary>Defaults.</summary>
    public static RtspLimits Default { get; } = new();

    /// <summary>The largest unit (message or interleaved frame) a reader must be able to hold.</summary>
    public int MaxUnitBytes => Math.Max(MaxHeaderBytes + MaxBodyBytes, RtspInterleavedFrame.HeaderLength + ushort.MaxValue);
}
