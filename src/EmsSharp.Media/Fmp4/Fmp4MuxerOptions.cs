namespace EmsSharp.Media.Fmp4;

/// <summary>Cut policy and limits of <see cref="Fmp4Muxer"/>.</summary>
public sealed record Fmp4MuxerOptions
{
    /// <summary>
    /// Longest video duration of one fragment. <see cref="TimeSpan.Zero"/> (the default, for live low
    /// latency) cuts after every video frame. A fragment is always cut before a keyframe. For an audio-only
    /// stream the fragment length is the larger of this and 100 ms.
    /// </summary>
    public TimeSpan MaxFragmentDuration { get; init; } = TimeSpan.Zero;

    /// <summary>Largest sample accepted; bigger ones are dropped and counted.</summary>
    public int MaxSampleSize { get; init; } = 4 * 1024 * 1024;
}
