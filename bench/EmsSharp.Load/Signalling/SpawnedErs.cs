namespace EmsSharp.Load.Signalling;

/// <summary>
/// What <c>--spawn</c> starts: <see cref="SignallingOptions.Nodes"/> <c>ers</c> processes, on a Redis of their own
/// (<c>--redis</c>, or implied by more than one node) or the given one (<c>--redis-config</c>), or one plain ers
/// without Redis. Sampled as one server: RSS and CPU summed over the nodes. Everything it started is killed on dispose.
/// </summary>
internal sealed class SpawnedErs : IServerProbe, IAsyncDisposable
{
    private readonly List<ErsChildProcess> _nodes = [];
    private RedisChildProcess? _redisProcess;

    private SpawnedErs()
    {
    }

    /// <summary>The Redis the nodes share, host and port; null for one ers without Redis.</summary>
    public Uri? Redis { get; private set; }

    public IReadOnlyList<Uri> BaseUris => [.. _nodes.Select(n => n.BaseUri)];

    public static async Task<SpawnedErs> StartAsync(SignallingOptions options, TextWriter log, CancellationToken cancellationToken)
    {
        SpawnedErs spawned = new();
        try
        {
            if (options.StartRedis)
            {
                spawned._redisProcess = await RedisChildProcess.StartAsync(cancellationToken).ConfigureAwait(false);
                spawned.Redis = spawned._redisProcess.Uri;
                await log.WriteLineAsync($"spawned redis-server pid {spawned._redisProcess.ProcessId} on {spawned.Redis.Authority}").ConfigureAwait(false);
            }
            else
            {
                spawned.Redis = options.RedisTarget;
            }

            for (int i = 0; i < options.Nodes; i++)
            {
                ErsChildProcess node = await ErsChildProcess.StartAsync(options, spawned.Redis, cancellationToken).ConfigureAwait(false);
                spawned._nodes.Add(node);
                await log.WriteLineAsync($"spawned ers pid {node.ProcessId} on 127.0.0.1:{node.Port}"
                    + (spawned.Redis is null ? string.Empty : $" (redis {spawned.Redis.Authority})")).ConfigureAwait(false);
            }

            return spawned;
        }
        catch
        {
            await spawned.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public ProcessSample Sample()
    {
        ProcessSample sum = default;
        foreach (ErsChildProcess node in _nodes)
        {
            ProcessSample sample = node.Sample();
            sum = new ProcessSample(sum.RssBytes + sample.RssBytes, sum.CpuSeconds + sample.CpuSeconds, sum.Threads + sample.Threads);
        }

        return sum;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (ErsChildProcess node in _nodes)
        {
            await node.DisposeAsync().ConfigureAwait(false);
        }

        if (_redisProcess is not null)
        {
            await _redisProcess.DisposeAsync().ConfigureAwait(false);
        }
    }
}
