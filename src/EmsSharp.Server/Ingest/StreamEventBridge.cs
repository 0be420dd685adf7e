using System.Text.Json.Nodes;
using EmsSharp.Media.Hub;
using EmsSharp.Server.Api.Commands;
using EmsSharp.Server.Events;

namespace EmsSharp.Server.Ingest;

/// <summary>
/// Turns the hub's StreamCreated/StreamClosed into <c>inStreamCreated</c>/<c>inStreamClosed</c> events whose payload is the
/// stream object of listStreams (EvoStream's events carry the stream's full stats).
/// </summary>
internal sealed class StreamEventBridge(StreamHub hub, IEventPublisher events, StreamDirectory streams) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        hub.StreamCreated += OnCreated;
        hub.StreamClosed += OnClosed;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        hub.StreamCreated -= OnCreated;
        hub.StreamClosed -= OnClosed;
        return Task.CompletedTask;
    }

    private void OnCreated(LiveStream stream) => events.Publish(EventTypes.InStreamCreated, Payload(stream));

    private void OnClosed(LiveStream stream) => events.Publish(EventTypes.InStreamClosed, Payload(stream));

    private JsonObject Payload(LiveStream stream) => streams.ToJson(new ListedStream(stream, null));
}
