namespace EmsSharp.Media.Ring;

/// <summary>
/// Bounds of one <see cref="StreamRing{T}"/> (per stream) and the default bounds of its readers. The defaults are
/// those of the hub's live streams; the RTP and fMP4 sources set theirs from their own options.
/// </summary>
public sealed record StreamRingOptions
{
    /// <summary>The largest GOP cache or reader lag, in units (the ring's slots are a power of two above both).</summary>
    public const int MaxUnits = 1 << 20;

    /// <summary>The most units the GOP cache holds; past it new readers wait for the next keyframe instead.</summary>
    public int MaxGopUnits { get; init; } = 2_000;

    /// <summary>The most payload bytes the GOP cache holds; past it new readers wait for the next keyframe instead.</summary>
    public long MaxGopBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>
    /// The most payload bytes the ring keeps for readers that lag (the GOP cache included); older units are released
    /// and a reader still behind them skips to a keyframe. Zero (the default): twice <see cref="MaxGopBytes"/>.
    /// </summary>
    public long MaxBytes { get; init; }

    /// <summary>How many units a reader may lag behind the writer before it skips to a keyframe, unless it asks for another bound.</summary>
    public int ReaderLagUnits { get; init; } = 1_024;

    /// <summary>How many payload bytes a reader may lag behind the writer before it skips to a keyframe, unless it asks for another bound.</summary>
    public long ReaderLagBytes { get; init; } = long.MaxValue;
}
