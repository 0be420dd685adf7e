namespace EmsSharp.Server.Events;

/// <summary>
/// One configured sink: takes events on the publisher's thread without blocking (a bounded queue that drops and counts
/// when full) and delivers them from its own loop.
/// </summary>
internal interface IEventSink
{
    /// <summary>What the configuration says of this sink.</summary>
    EventSinkOptions Options { get; }

    /// <summary>Events refused because the queue was full.</summary>
    long Dropped { get; }

    /// <summary>Queues <paramref name="envelope"/>; never blocks, never throws for the sink's sake.</summary>
    void Enqueue(EventEnvelope envelope);

    /// <summary>Delivers queued events until <see cref="Complete"/> has been called and the queue is empty, or until cancelled.</summary>
    Task RunAsync(CancellationToken cancellationToken);

    /// <summary>No more events: the loop ends once it has delivered what is queued.</summary>
    void Complete();
}
