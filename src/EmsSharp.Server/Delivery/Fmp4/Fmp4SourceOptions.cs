using EmsSharp.Media.Ring;

namespace EmsSharp.Server.Delivery.Fmp4;

/// <summary>Limits of the shared per-stream fMP4 sources, bound from the <c>Fmp4</c> section.</summary>
internal sealed class Fmp4SourceOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Fmp4";

    /// <summary>Queue of hub frames between the stream and its muxer (frames); the hub drops to a keyframe past it.</summary>
    public int ReaderCapacity { get; set; } = 4_096;

    /// <summary>How many fragments a viewer may lag; one that falls further behind skips to a keyframe.</summary>
    public int ViewerQueueFragments { get; set; } = 256;

    /// <summary>How many bytes a viewer may lag; one that falls further behind skips to a keyframe.</summary>
    public long ViewerQueueBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>Most fragments the GOP cache holds; past it new viewers wait for the next keyframe.</summary>
    public int MaxGopFragments { get; set; } = 1_000;

    /// <summary>Most bytes the GOP cache holds; past it new viewers wait for the next keyframe.</summary>
    public long MaxGopBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>
    /// Longest video duration of one fragment; zero (the default, lowest latency) makes one fragment per
    /// video frame. A fragment always ends before a keyframe.
    /// </summary>
    public TimeSpan MaxFragmentDuration { get; set; } = TimeSpan.Zero;

    /// <summary>The ring's bounds: its GOP cache and how far a viewer may lag.</summary>
    internal StreamRingOptions RingOptions => new()
    {
        MaxGopUnits = MaxGopFragments,
        MaxGopBytes = MaxGopBytes,
        ReaderLagUnits = ViewerQueueFragments,
        ReaderLagBytes = ViewerQueueBytes,
    };
}
