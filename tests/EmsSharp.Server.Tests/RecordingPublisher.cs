using System.Text.Json.Nodes;
using EmsSharp.Server.Events;

namespace EmsSharp.Server.Tests;

/// <summary>An event publisher that keeps what it was given, in order (single-threaded callers).</summary>
internal sealed class RecordingPublisher : IEventPublisher
{
    public List<string> Types { get; } = [];

    public List<JsonObject> Payloads { get; } = [];

    public void Publish(string type, JsonObject payload)
    {
        Types.Add(type);
        Payloads.Add(payload);
    }
}
