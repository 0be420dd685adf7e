namespace EmsSharp.Server.Delivery.Fmp4;

/// <summary>Limits of the shared per-stream fMP4 sources, bound from the <c>Fmp4</c> section.</summary>
internal sealed class Fmp4SourceOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Fmp4";

    /// <summary>Queue of hub frames between the stream and its muxer (frames); the hub drops to a keyframe past it.</summary>
    public int ReaderCapacity { get; set; } = 4_096;

    /// <summary>Per-viewer queue length in fragments; a viewer that falls this far behind skips to the next keyframe.</summary>
    public int ViewerQueueFragments { get; set; } = 256;

    /// <summary>Per-viewer queue size in bytes; past it the viewer skips to the next keyframe.</summary>
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
}
