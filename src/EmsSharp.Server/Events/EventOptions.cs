namespace EmsSharp.Server.Events;

/// <summary>Event sinks (PROTOCOL.md §1.7, shared/EVOSTREAM-API.md §5).</summary>
internal sealed class EventOptions
{
    /// <summary>Sinks: URLs (RPC sinks), or objects with their type, serializer or file, events and customData.</summary>
    public IList<EventSinkOptions> Sinks { get; } = [];

    /// <summary>Events queued per sink; further events are dropped and counted while the queue is full.</summary>
    public int QueueCapacity { get; set; } = 1024;

    /// <summary>
    /// EvoStream's <c>customData</c>: a value every event's payload carries as <c>customData</c> (null when unset), so one
    /// receiver can tell several servers apart (shared/EVOSTREAM-API.md §5.1).
    /// </summary>
    public string? CustomData { get; set; }

    /// <summary>Time limit of one POST.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long an inbound stream that had audio (video) may receive none, while it lives on, before
    /// <c>audioFeedStopped</c> (<c>videoFeedStopped</c>) is sent. Five seconds: far above any gap a live feed has
    /// (audio frames come every 20-60 ms, video at 1 fps or more, and a keyframe interval is rarely over 4 s), so a
    /// jittery network never raises it, yet short enough for a monitor to act while the publisher is still connected.
    /// </summary>
    public TimeSpan FeedStoppedAfter { get; set; } = TimeSpan.FromSeconds(5);
}
