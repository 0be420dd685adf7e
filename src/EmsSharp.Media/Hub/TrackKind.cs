namespace EmsSharp.Media.Hub;

/// <summary>The kind of a track of a live stream.</summary>
public enum TrackKind
{
    /// <summary>A video track (clock rate 90 kHz).</summary>
    Video,

    /// <summary>An audio track (clock rate = sample rate).</summary>
    Audio,
}
