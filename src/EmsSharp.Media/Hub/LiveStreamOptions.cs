namespace EmsSharp.Media.Hub;

/// <summary>Limits of the hub's live streams (their <see cref="Ring.StreamRing{T}"/> of frames).</summary>
public sealed record LiveStreamOptions
{
    /// <summary>The most frames the GOP cache holds; past it the cache is dropped until the next keyframe.</summary>
    public int MaxGopFrames { get; init; } = 2_000;

    /// <summary>The most payload bytes the GOP cache holds; past it the cache is dropped until the next keyframe.</summary>
    public long MaxGopBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>How many frames a reader may lag before it drops to a keyframe, when its caller asks for no other bound.</summary>
    public int DefaultReaderCapacity { get; init; } = 1_024;
}
