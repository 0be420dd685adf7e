using System.Collections.Concurrent;
using EmsSharp.Server.Delivery;

namespace EmsSharp.Server.Tests.Delivery;

/// <summary>
/// Stands in for the ERS client: records starts and stops and reports a status; the rooms in
/// <see cref="FailingStops"/> throw when stopped.
/// </summary>
internal sealed class RecordingConnector : IErsConnector
{
    public ConcurrentQueue<long> Started { get; } = new();

    public ConcurrentQueue<long> Stopped { get; } = new();

    public HashSet<string> FailingStops { get; } = [];

    public IAsyncDisposable Start(WebRtcService service)
    {
        Started.Enqueue(service.Configuration.ConfigId);
        service.SetStatus(WebRtcServiceStatusCode.Connected, "joined room " + service.Configuration.RoomId);
        return new Handle(this, service.Configuration);
    }

    private sealed class Handle(RecordingConnector owner, WebRtcServiceConfiguration configuration) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            if (owner.FailingStops.Contains(configuration.RoomId))
                throw new InvalidOperationException("stop failed for room " + configuration.RoomId);
            owner.Stopped.Enqueue(configuration.ConfigId);
            return ValueTask.CompletedTask;
        }
    }
}
