using System.Diagnostics;

namespace EmsSharp.Load.Signalling;

/// <summary>
/// The core of <c>ems-load signalling</c>: connects <see cref="SignallingOptions.Clients"/> socket.io clients
/// (one EMS per room first, then the browsers, at most <see cref="SignallingOptions.Concurrency"/> connecting at
/// once over one shared <see cref="SocketsHttpHandler"/>), has every browser send messages its EMS echoes back,
/// then closes every socket. With several <paramref name="nodes"/> (an ers cluster) each client connects to the node
/// <see cref="SignallingOptions.NodeOf"/> names, and the cluster's <paramref name="redis"/> is read (<c>INFO</c>) before
/// the joins, after them and after the relays. Bounded by <see cref="SignallingOptions.ConnectTimeout"/>, the duration and
/// <see cref="SignallingOptions.DrainTimeout"/>.
/// </summary>
internal sealed class SignallingLoad(SignallingOptions options, IReadOnlyList<Uri> nodes, IServerProbe? probe, Uri? redis = null)
{
    private readonly LatencyRecorder _handshakes = new(options.Clients);
    private readonly LatencyRecorder _joins = new(options.Clients);
    private readonly LatencyRecorder _relay = new(options.Browsers * options.MessagesPerClient);
    private readonly LoadClient?[] _clients = new LoadClient?[options.Clients];
    private int _joinsOk;
    private int _failures;
    private string? _firstFailure;

    public async Task<SignallingResult> RunAsync(TextWriter log, CancellationToken cancellationToken)
    {
        double? loadStart = ProcessSample.LoadAverage();
        ProcessSample? before = probe?.Sample();
        RedisSample? redisBefore = await ReadRedisAsync(cancellationToken).ConfigureAwait(false);
        using SocketsHttpHandler handler = new()
        {
            UseProxy = false,
            UseCookies = false,
            ConnectTimeout = TimeSpan.FromSeconds(30),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(5),
        };
        using HttpClient http = new(handler, disposeHandler: false) { Timeout = TimeSpan.FromSeconds(30) };
        using HttpMessageInvoker invoker = new(handler, disposeHandler: false);
        try
        {
            // Phase 1: connect and join, EMSes first so that every browser's ack names its EMS.
            Stopwatch connectWatch = Stopwatch.StartNew();
            using (CancellationTokenSource connectLimit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                connectLimit.CancelAfter(SignallingOptions.ConnectTimeout);
                await ConnectRangeAsync(0, options.Rooms, http, invoker, connectLimit.Token).ConfigureAwait(false);
                await ConnectRangeAsync(options.Rooms, options.Clients, http, invoker, connectLimit.Token).ConfigureAwait(false);
            }

            double connectSeconds = connectWatch.Elapsed.TotalSeconds;
            ProcessSample? connected = probe?.Sample();
            RedisSample? redisJoined = await ReadRedisAsync(cancellationToken).ConfigureAwait(false);
            await log.WriteLineAsync($"{_joinsOk}/{options.Clients} joined in {connectSeconds:F1} s").ConfigureAwait(false);

            // Phase 2: relay; each browser spreads its messages over the duration from a random phase.
            Stopwatch relayWatch = Stopwatch.StartNew();
            (int sent, int crossed) = await RelayAsync(cancellationToken).ConfigureAwait(false);
            double relaySeconds = relayWatch.Elapsed.TotalSeconds;
            ProcessSample? relayed = probe?.Sample();
            RedisSample? redisRelayed = await ReadRedisAsync(cancellationToken).ConfigureAwait(false);
            await log.WriteLineAsync($"{_relay.Count}/{sent} messages returned in {relaySeconds:F1} s;"
                + $" {crossed} of them between a browser and an EMS on different nodes ({nodes.Count} node(s))").ConfigureAwait(false);

            int heartbeats = 0, retries = 0;
            foreach (LoadClient? client in _clients)
            {
                heartbeats += client?.Heartbeats ?? 0;
                retries += client?.Retries ?? 0;
            }

            return new SignallingResult
            {
                Clients = options.Clients,
                Rooms = options.Rooms,
                Nodes = nodes.Count,
                JoinsOk = _joinsOk,
                Failures = _failures,
                FirstFailure = _firstFailure,
                HandshakeRetries = retries,
                ConnectAllSeconds = Math.Round(connectSeconds, 2),
                HandshakeLatency = _handshakes.Summarize(),
                JoinLatency = _joins.Summarize(),
                MessagesSent = sent,
                MessagesReturned = _relay.Count,
                RoundTripsCrossingNodes = crossed,
                RelaySeconds = Math.Round(relaySeconds, 2),
                RelayLatency = _relay.Summarize(),
                HeartbeatsAnswered = heartbeats,
                ServerRssBeforeBytes = before?.RssBytes,
                ServerRssConnectedBytes = connected?.RssBytes,
                ServerRssAfterRelayBytes = relayed?.RssBytes,
                RssPerConnectionKiB = before is { } b && connected is { } c
                    ? Math.Round((c.RssBytes - b.RssBytes) / 1024.0 / options.Clients, 1) : null,
                ServerCpuSecondsPer1000Connections = before is { } b2 && connected is { } c2
                    ? Math.Round((c2.CpuSeconds - b2.CpuSeconds) * 1000 / options.Clients, 3) : null,
                ServerCpuSecondsPer1000RoundTrips = connected is { } c3 && relayed is { } r && sent > 0
                    ? Math.Round((r.CpuSeconds - c3.CpuSeconds) * 1000 / sent, 3) : null,
                ServerCpuSecondsJoinPhase = before is { } b4 && connected is { } c4 ? Math.Round(c4.CpuSeconds - b4.CpuSeconds, 2) : null,
                ServerCpuSecondsRelayPhase = connected is { } c5 && relayed is { } r5 ? Math.Round(r5.CpuSeconds - c5.CpuSeconds, 2) : null,
                RedisCommandsPerJoin = redisJoined?.CommandsPer(redisBefore!, _joinsOk),
                RedisCallsPerJoin = redisJoined?.CallsPer(redisBefore!, _joinsOk),
                RedisCommandsPerRelay = redisRelayed?.CommandsPer(redisJoined!, 2 * _relay.Count),
                RedisCallsPerRelay = redisRelayed?.CallsPer(redisJoined!, 2 * _relay.Count),
                RedisCpuSecondsJoinPhase = redisJoined is { } j ? Math.Round(j.CpuSeconds - redisBefore!.CpuSeconds, 2) : null,
                RedisCpuSecondsRelayPhase = redisRelayed is { } rr ? Math.Round(rr.CpuSeconds - redisJoined!.CpuSeconds, 2) : null,
                LoadAverageStart = loadStart,
                LoadAverageEnd = ProcessSample.LoadAverage(),
            };
        }
        finally
        {
            await CloseAllAsync().ConfigureAwait(false);
        }
    }

    private async Task ConnectRangeAsync(int from, int to, HttpClient http, HttpMessageInvoker invoker, CancellationToken token)
    {
        // A fixed pool of workers pulls the next index: at most Concurrency clients are connecting at once.
        int next = from - 1;
        Task[] workers = new Task[Math.Min(options.Concurrency, to - from)];
        for (int w = 0; w < workers.Length; w++)
        {
            workers[w] = Task.Run(
                async () =>
                {
                    for (int i = Interlocked.Increment(ref next); i < to; i = Interlocked.Increment(ref next))
                    {
                        await ConnectOneAsync(i, http, invoker, token).ConfigureAwait(false);
                    }
                },
                CancellationToken.None);
        }

        await Task.WhenAll(workers).ConfigureAwait(false);
    }

    private async Task ConnectOneAsync(int index, HttpClient http, HttpMessageInvoker invoker, CancellationToken token)
    {
        bool isEms = index < options.Rooms;
        LoadClient client = new(isEms, _relay);
        _clients[index] = client;
        try
        {
            long start = Stopwatch.GetTimestamp();
            await client.ConnectAsync(http, invoker, nodes[NodeOf(index)], token).ConfigureAwait(false);
            long connected = Stopwatch.GetTimestamp();
            _handshakes.Add(connected - start);
            bool ok = await client.JoinAsync(RoomName(index % options.Rooms), token).ConfigureAwait(false);
            _joins.Add(Stopwatch.GetTimestamp() - connected);
            if (ok)
            {
                Interlocked.Increment(ref _joinsOk);
            }
            else
            {
                Fail(index, "join refused or no EMS in the ack");
            }
        }
        catch (Exception e) when (e is HttpRequestException or System.Net.WebSockets.WebSocketException
            or OperationCanceledException or InvalidDataException or TimeoutException)
        {
            Fail(index, $"{e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>Runs the relay phase; returns the round trips started and how many of them cross nodes.</summary>
    private async Task<(int Sent, int Crossed)> RelayAsync(CancellationToken cancellationToken)
    {
        if (options.MessagesPerClient == 0)
        {
            return (0, 0);
        }

        using CancellationTokenSource limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(options.Duration + SignallingOptions.DrainTimeout);
        TimeSpan interval = options.Duration / options.MessagesPerClient;
        List<Task> senders = new(options.Browsers);
        int sent = 0, crossed = 0;
        for (int i = options.Rooms; i < options.Clients; i++)
        {
            if (_clients[i] is { EmsId: not null } browser)
            {
                sent += options.MessagesPerClient;
                crossed += NodeOf(i) == NodeOf(i % options.Rooms) ? 0 : options.MessagesPerClient;
                TimeSpan offset = interval * Random.Shared.NextDouble();
                senders.Add(SendAndWaitAsync(browser, interval * options.MessagesPerClient, offset, limit.Token));
            }
        }

        await Task.WhenAll(senders).ConfigureAwait(false);
        return (sent, crossed);
    }

    private async Task SendAndWaitAsync(LoadClient browser, TimeSpan span, TimeSpan offset, CancellationToken token)
    {
        try
        {
            await browser.SendMessagesAsync(options.MessagesPerClient, span, offset, token).ConfigureAwait(false);
            await browser.WaitEchoesAsync(token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or System.Net.WebSockets.WebSocketException)
        {
            Fail(-1, $"relay: {e.GetType().Name}: {e.Message}");
        }
    }

    private async Task CloseAllAsync()
    {
        // Close with the same bounded parallelism as the ramp.
        int next = -1;
        Task[] workers = new Task[Math.Min(options.Concurrency, _clients.Length)];
        for (int w = 0; w < workers.Length; w++)
        {
            workers[w] = Task.Run(
                async () =>
                {
                    for (int i = Interlocked.Increment(ref next); i < _clients.Length; i = Interlocked.Increment(ref next))
                    {
                        if (_clients[i] is { } client)
                        {
                            await client.DisposeAsync().ConfigureAwait(false);
                        }
                    }
                });
        }

        await Task.WhenAll(workers).ConfigureAwait(false);
    }

    private void Fail(int index, string reason)
    {
        Interlocked.Increment(ref _failures);
        Interlocked.CompareExchange(ref _firstFailure, index >= 0 ? $"client {index}: {reason}" : reason, null);
    }

    private int NodeOf(int index) => SignallingOptions.NodeOf(index, options.Rooms, nodes.Count);

    private async Task<RedisSample?> ReadRedisAsync(CancellationToken token) =>
        redis is null ? null : await RedisSample.ReadAsync(redis, token).ConfigureAwait(false);

    internal static string RoomName(int room) => $"load-{room}";
}
