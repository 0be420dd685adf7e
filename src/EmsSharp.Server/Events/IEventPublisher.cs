using System.Text.Json.Nodes;

namespace EmsSharp.Server.Events;

/// <summary>Publishes server events to the configured sinks. Never blocks, never throws for a sink's sake.</summary>
public interface IEventPublisher
{
    /// <summary>Queues <c>{"type":type,"payload":payload}</c> for every sink; takes ownership of <paramref name="payload"/>.</summary>
    void Publish(string type, JsonObject payload);

    /// <summary>Whether any sink takes events of <paramref name="type"/>, so a costly payload is built only when one does.</summary>
    bool IsEnabled(string type) => true;
}
