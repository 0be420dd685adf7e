using EmsSharp.Media.Ring;

namespace EmsSharp.Server.Delivery.Rtp;

/// <summary>Limits of the shared per-stream RTP sources (the srtp transport).</summary>
internal sealed class RtpSourceOptions
{
    /// <summary>Queue of hub frames between the stream and its packetizer; the hub drops to a keyframe past it.</summary>
    public int ReaderCapacity { get; init; } = 4_096;

    /// <summary>How many access units a viewer may lag; one that falls further behind skips to a keyframe.</summary>
    public int ViewerQueueUnits { get; init; } = 512;

    /// <summary>How many payload bytes a viewer may lag; one that falls further behind skips to a keyframe.</summary>
    public long ViewerQueueBytes { get; init; } = 8 * 1024 * 1024;

    /// <summary>Most access units the GOP cache holds; past it new viewers wait for the next keyframe.</summary>
    public int MaxGopUnits { get; init; } = 2_000;

    /// <summary>Most payload bytes the GOP cache holds; past it new viewers wait for the next keyframe.</summary>
    public long MaxGopBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>The ring's bounds: its GOP cache and how far a viewer may lag.</summary>
    internal StreamRingOptions RingOptions => new()
    {
        MaxGopUnits = MaxGopUnits,
        MaxGopBytes = MaxGopBytes,
        ReaderLagUnits = ViewerQueueUnits,
        ReaderLagBytes = ViewerQueueBytes,
    };
}
