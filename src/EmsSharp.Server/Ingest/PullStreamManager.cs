using EmsSharp.Media.Hub;
using EmsSharp.Server.Configs;
using EmsSharp.Server.Connections;

namespace EmsSharp.Server.Ingest;

/// <summary>
/// The running pulls, one per pull configuration (operationType 1) of the <see cref="ConfigurationStore"/>.
/// Replays saved configurations at start-up and stops every pull (keeping saved configurations) at shutdown.
/// </summary>
internal sealed class PullStreamManager(
    ConfigurationStore store, StreamHub hub, TimeProvider time, ILogger<PullStreamManager> logger, ConnectionRegistry? connections = null)
    : IHostedService
{
    private readonly ConnectionRegistry _connections = connections ?? new ConnectionRegistry(time);
    private readonly Lock _gate = new();
    private readonly Dictionary<long, PullStream> _pulls = [];

    /// <summary>Accepts <c>rtsp://</c> and <c>rtmp://</c> URIs with a host; the stream name defaults to the last path segment.</summary>
    public static bool TryParseUri(string text, out Uri uri, out string defaultName)
    {
        defaultName = "";
        if (!Uri.TryCreate(text, UriKind.Absolute, out uri!) || !(uri.Scheme.Equals("rtsp", StringComparison.OrdinalIgnoreCase) || uri.Scheme.Equals("rtmp", StringComparison.OrdinalIgnoreCase)) ||
            uri.Host.Length == 0)
        {
            return false;
        }

        var path = uri.AbsolutePath.TrimEnd('/');
        defaultName = Uri.UnescapeDataString(path[(path.LastIndexOf('/') + 1)..]);
        if (defaultName.Length == 0)
        {
            defaultName = uri.Host;
        }

        return true;
    }

    /// <summary>Creates, saves and starts a pull. Null (and the holder's configId) when the stream name is already pulled.</summary>
    public PullStream? TryStart(Uri uri, string text, string localStreamName, bool keepAlive, bool forceTcp, out long existingConfigId)
    {
        PullStream pull;
        lock (_gate)
        {
            foreach (var running in _pulls.Values)
            {
                if (string.Equals(running.Configuration.LocalStreamName, localStreamName, StringComparison.Ordinal))
                {
                    existingConfigId = running.Configuration.ConfigId;
                    return null;
                }
            }

            PullStreamConfiguration? configuration = null;
            store.Add(OperationType.Pull, keepAlive, id =>
            {
                configuration = new PullStreamConfiguration(id, text, localStreamName, keepAlive, forceTcp);
                return configuration.ToJson();
            });
            pull = new PullStream(configuration!, uri, hub, time, logger, _connections);
            _pulls.Add(configuration!.ConfigId, pull);
        }

        existingConfigId = 0;
        Launch(pull);
        return pull;
    }

    /// <summary>The pull of configuration <paramref name="configId"/>, or null.</summary>
    public PullStream? Find(long configId)
    {
        lock (_gate)
        {
            return _pulls.GetValueOrDefault(configId);
        }
    }

    /// <summary>The pull publishing <paramref name="streamName"/>, or null.</summary>
    public PullStream? FindByStreamName(string streamName)
    {
        lock (_gate)
        {
            foreach (var pull in _pulls.Values)
            {
                if (string.Equals(pull.Configuration.LocalStreamName, streamName, StringComparison.Ordinal))
                {
                    return pull;
                }
            }
        }

        return null;
    }

    /// <summary>Stops a pull and removes its configuration (<c>removeConfig</c>, <c>shutdownStream</c>).</summary>
    public async ValueTask<PullStream?> RemoveAsync(long configId)
    {
        PullStream? pull;
        lock (_gate)
        {
            // The removal is saved first: a failed save (IOException) leaves the pull running and configured.
            if (_pulls.TryGetValue(configId, out pull))
            {
                store.TryRemove(configId, out _);
                _pulls.Remove(configId);
            }
        }

        if (pull is not null)
        {
            await pull.StopAsync().ConfigureAwait(false);
        }

        return pull;
    }

    /// <summary>
    /// Stops a pull and starts it afresh from the same configuration, which stays saved (<c>shutdownStream
    /// permanently=0</c>: the stream ends and comes back). False when there is no such pull, or it was removed meanwhile.
    /// </summary>
    public async ValueTask<bool> RestartAsync(long configId)
    {
        PullStream? old;
        lock (_gate)
        {
            if (!_pulls.TryGetValue(configId, out old))
            {
                return false;
            }
        }

        await old.StopAsync().ConfigureAwait(false);
        PullStream fresh;
        lock (_gate)
        {
            if (!_pulls.TryGetValue(configId, out var current) || !ReferenceEquals(current, old) ||
                !TryParseUri(old.Configuration.Uri, out var uri, out _))
            {
                return false;
            }

            fresh = new PullStream(old.Configuration, uri, hub, time, logger, _connections);
            _pulls[configId] = fresh;
        }

        Launch(fresh);
        return true;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        store.Load();
        var restored = new List<PullStream>();
        lock (_gate)
        {
            foreach (var entry in store.Snapshot())
            {
                if (entry.OperationType != OperationType.Pull)
                {
                    continue;
                }

                if (!PullStreamConfiguration.TryFromJson(entry.Data, out var configuration) || configuration.ConfigId != entry.ConfigId ||
                    !TryParseUri(configuration.Uri, out var uri, out _))
                {
                    IngestLog.PullSkipped(logger, entry.ConfigId);
                    continue;
                }

                var pull = new PullStream(configuration, uri, hub, time, logger, _connections);
                _pulls.Add(configuration.ConfigId, pull);
                restored.Add(pull);
            }
        }

        foreach (var pull in restored)
        {
            Launch(pull);
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        List<PullStream> all;
        lock (_gate)
        {
            all = [.. _pulls.Values];
            _pulls.Clear();
        }

        foreach (var pull in all)
        {
            await pull.StopAsync().ConfigureAwait(false);
        }
    }

    private void Launch(PullStream pull)
    {
        pull.Start();
        if (!pull.Configuration.KeepAlive)
        {
            // A one-shot pull that ended is forgotten, so its name can be pulled again.
            _ = pull.Completion.ContinueWith(
                (_, state) => Forget((PullStream)state!), pull, CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private void Forget(PullStream pull)
    {
        lock (_gate)
        {
            if (_pulls.TryGetValue(pull.Configuration.ConfigId, out var current) && ReferenceEquals(current, pull))
            {
                _pulls.Remove(pull.Configuration.ConfigId);
                store.TryRemove(pull.Configuration.ConfigId, out _);
            }
        }
    }
}
