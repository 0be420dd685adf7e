namespace EmsSharp.Server.Events;

/// <summary>HTTP event sinks (PROTOCOL.md §1.7).</summary>
internal sealed class EventOptions
{
    /// <summary>Sinks that receive events as HTTP POSTs: URLs, or objects with their own events and customData.</summary>
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
}
