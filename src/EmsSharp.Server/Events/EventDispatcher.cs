using System.Text.Json.Nodes;
using EmsSharp.Server.Api;
using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Events;

/// <summary>
/// Fans events out to the configured sinks (PROTOCOL.md §1.7): RPC sinks (<see cref="EventSink"/>) and file sinks
/// (<see cref="FileEventSink"/>). Each sink has its own queue and loop, so one dead sink delays no other sink and no
/// publisher. The event is EvoStream's (shared/EVOSTREAM-API.md §5.1, <see cref="EventEnvelope"/>): <c>{id, payload,
/// processId, timestamp, type}</c>, <c>id</c> counting the server's events from 1, <c>timestamp</c> in unix seconds, and the
/// payload carrying <c>PID</c> and <c>customData</c>, members in byte order (§0).
/// </summary>
internal sealed partial class EventDispatcher : IEventPublisher, IHostedService, IDisposable
{
    private readonly HttpClient _client;
    private readonly IEventSink[] _sinks;
    private readonly EventSink[] _rpcSinks;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TimeProvider _time;
    private readonly string? _customData;
    private readonly ILogger<EventDispatcher> _logger;
    private Task[] _loops = [];
    private long _lastId;

    public EventDispatcher(IOptions<EmsOptions> options, TimeProvider time, ILogger<EventDispatcher> logger)
    {
        _time = time;
        _logger = logger;
        var events = options.Value.Events;
        _customData = events.CustomData;
        _client = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) })
        {
            Timeout = Timeout.InfiniteTimeSpan, // each sink applies its own per-request limit
        };
        _sinks = new IEventSink[events.Sinks.Count];
        var instance = Random.Shared.Next(10_000); // EvoStream's instance number: random per run, the same for every file sink
        for (var i = 0; i < _sinks.Length; i++)
        {
            var sink = events.Sinks[i];
            _sinks[i] = sink.IsFile
                ? new FileEventSink(sink, events.QueueCapacity, instance, logger)
                : new EventSink(new Uri(sink.Url), events.QueueCapacity, events.RequestTimeout, _client, logger) { Options = sink };
        }

        _rpcSinks = [.. _sinks.OfType<EventSink>()];
    }

    /// <summary>The RPC sinks, in configuration order.</summary>
    public IReadOnlyList<EventSink> Sinks => _rpcSinks;

    /// <summary>The file sinks, in configuration order.</summary>
    public IReadOnlyList<FileEventSink> FileSinks => [.. _sinks.OfType<FileEventSink>()];

    public bool IsEnabled(string type) => _sinks.Any(s => s.Options.Accepts(type));

    public void Publish(string type, JsonObject payload)
    {
        if (_sinks.Length == 0)
            return;
        // One id per event, whichever sinks take it; an envelope per distinct customData (sinks may set their own, §5.1),
        // whose serialized bodies the sinks of that customData share.
        var id = Interlocked.Increment(ref _lastId);
        var timestamp = _time.GetUtcNow().ToUnixTimeSeconds();
        payload["PID"] = Environment.ProcessId;
        EventEnvelope? last = null;
        string? lastCustomData = null;
        foreach (var sink in _sinks)
        {
            if (!sink.Options.Accepts(type))
                continue;
            var customData = sink.Options.CustomData ?? _customData;
            if (last is null || !string.Equals(customData, lastCustomData, StringComparison.Ordinal))
            {
                var withCustomData = payload.DeepClone().AsObject();
                withCustomData["customData"] = customData;
                last = new EventEnvelope(id, timestamp, type, EvoStreamJson.Sorted(withCustomData));
                lastCustomData = customData;
            }

            sink.Enqueue(last);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _loops = new Task[_sinks.Length];
        for (var i = 0; i < _sinks.Length; i++)
        {
            var sink = _sinks[i];
            if (sink is FileEventSink)
            {
                // A file sink is not cut short at stop (a local write does not hang the way a dead receiver does): it ends
                // when its queue is written, or when the host gives up waiting.
                _loops[i] = sink.RunAsync(CancellationToken.None);
                LogFileSink(_logger, sink.Options.FileName!, sink.Options.Format);
            }
            else
            {
                _loops[i] = sink.RunAsync(_stopping.Token);
                LogSink(_logger, ((EventSink)sink).Url, sink.Options.Serializer);
            }
        }

        return Task.CompletedTask;
    }

    // Events queued at stop (serverStopping, the last streams' closes) get this long to go out to RPC sinks; a dead sink
    // cannot hold the stop longer.
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(1);

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var sink in _sinks)
            sink.Complete();
        var rpcLoops = _loops.Where((_, i) => _sinks[i] is EventSink).ToArray();
        try
        {
            await Task.WhenAll(rpcLoops).WaitAsync(DrainTimeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // what is still queued for RPC sinks is abandoned
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_loops).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        _stopping.Dispose();
        _client.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Events are posted to {Url} ({Serializer})")]
    private static partial void LogSink(ILogger logger, Uri url, EventSerializerType serializer);

    [LoggerMessage(Level = LogLevel.Information, Message = "Events are written to {File}_<time> ({Format})")]
    private static partial void LogFileSink(ILogger logger, string file, string format);
}
