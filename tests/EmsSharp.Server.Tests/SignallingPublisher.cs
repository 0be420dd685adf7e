using System.Text.Json.Nodes;
using EmsSharp.Server.Events;

namespace EmsSharp.Server.Tests;

/// <summary>Keeps the events (from any thread) and lets a test wait for the n-th of a type, with a timeout.</summary>
internal sealed class SignallingPublisher : IEventPublisher
{
    private readonly List<(string Type, JsonObject Payload)> _events = [];
    private readonly List<(string Type, int Count, TaskCompletionSource Seen)> _waiters = [];

    public void Publish(string type, JsonObject payload)
    {
        lock (_events)
        {
            _events.Add((type, payload));
            foreach (var waiter in _waiters.Where(w => Count(w.Type) >= w.Count))
            {
                waiter.Seen.TrySetResult();
            }
        }
    }

    public List<JsonObject> Payloads(string type)
    {
        lock (_events)
        {
            return [.. _events.Where(e => e.Type == type).Select(e => e.Payload)];
        }
    }

    /// <summary>Completes once <paramref name="count"/> events of <paramref name="type"/> were published (before the call too).</summary>
    public async Task WaitForAsync(string type, int count = 1)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_events)
        {
            if (Count(type) >= count)
            {
                return;
            }

            _waiters.Add((type, count, seen));
        }

        try
        {
            await seen.Task.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{type} was published {Payloads(type).Count} times, not {count}, within 10 s");
        }
    }

    private int Count(string type) => _events.Count(e => e.Type == type);
}
