using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using EmsSharp.Server.Api;
using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Events;

/// <summary>
/// Fans events out to the configured <see cref="EventSink"/>s (PROTOCOL.md §1.7). Each sink has its own queue
/// and loop, so one dead sink delays no other sink and no publisher. The body is EvoStream's (shared/EVOSTREAM-API.md
/// §5.1): <c>{id, payload, processId, timestamp, type}</c>, <c>id</c> counting the server's events from 1, <c>timestamp</c>
/// in unix seconds, and the payload carrying <c>PID</c> and <c>customData</c>, members in byte order (§0).
/// </summary>
internal sealed partial class EventDispatcher : IEventPublisher, IHostedService, IDisposable
{
    private static readonly JsonSerializerOptions SerializerOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly HttpClient _client;
    private readonly EventSink[] _sinks;
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
        _sinks = new EventSink[events.Sinks.Count];
        for (var i = 0; i < _sinks.Length; i++)
        {
            var sink = events.Sinks[i];
            _sinks[i] = new EventSink(new Uri(sink.Url), events.QueueCapacity, events.RequestTimeout, _client, logger)
            {
                Options = sink,
            };
        }
    }

    public IReadOnlyList<EventSink> Sinks => _sinks;

    public void Publish(string type, JsonObject payload)
    {
        if (_sinks.Length == 0)
            return;
        // One id per event, whichever sinks take it; a body per distinct customData (sinks may set their own, §5.1).
        var id = Interlocked.Increment(ref _lastId);
        var timestamp = _time.GetUtcNow().ToUnixTimeSeconds();
        payload["PID"] = Environment.ProcessId;
        string? lastCustomData = null;
        byte[]? lastBody = null;
        foreach (var sink in _sinks)
        {
            if (!sink.Options.Accepts(type))
                continue;
            var customData = sink.Options.CustomData ?? _customData;
            if (lastBody is null || !string.Equals(customData, lastCustomData, StringComparison.Ordinal))
            {
                var withCustomData = payload.DeepClone().AsObject();
                withCustomData["customData"] = customData;
                lastBody = JsonSerializer.SerializeToUtf8Bytes(new JsonObject
                {
                    ["id"] = id,
                    ["payload"] = EvoStreamJson.Sorted(withCustomData),
                    ["processId"] = Environment.ProcessId,
                    ["timestamp"] = timestamp,
                    ["type"] = type,
                }, SerializerOptions);
                lastCustomData = customData;
            }

            sink.Enqueue(lastBody);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _loops = new Task[_sinks.Length];
        for (var i = 0; i < _sinks.Length; i++)
        {
            _loops[i] = _sinks[i].RunAsync(_stopping.Token);
            LogSink(_logger, _sinks[i].Url);
        }

        return Task.CompletedTask;
    }

    // Events queued at stop (serverStopping, the last streams' closes) get this long to go out; a dead sink cannot hold
    // the stop longer.
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(1);

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var sink in _sinks)
            sink.Complete();
        try
        {
            await Task.WhenAll(_loops).WaitAsync(DrainTimeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // what is still queued is abandoned
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_loops).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        _stopping.Dispose();
        _client.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Events are posted to {Url}")]
    private static partial void LogSink(ILogger logger, Uri url);
}
