using EmsSharp.Media.Hub;
using EmsSharp.Server.Configs;
using EmsSharp.Server.Connections;
using EmsSharp.Server.Delivery;
using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Ingest;

/// <summary>
/// The running pushes, one per push configuration (operationType 2) of the <see cref="ConfigurationStore"/>, as
/// <see cref="PullStreamManager"/> keeps the pulls: replays saved configurations at start-up and stops every push (keeping
/// saved configurations) at shutdown. A one-shot push (keepAlive 0) is forgotten once it ended.
/// </summary>
internal sealed class PushStreamManager(
    ConfigurationStore store, StreamHub hub, IOptions<IngestOptions> options, TimeProvider time, ILogger<PushStreamManager> logger,
    OutboundStreamRegistry? outputs = null, ConnectionRegistry? connections = null)
    : IHostedService
{
    private readonly PushStreamServices _services = new(hub, options.Value, outputs, connections ?? new ConnectionRegistry(time));
    private readonly Lock _gate = new();
    private readonly Dictionary<long, PushStream> _pushes = [];

    /// <summary>
    /// Creates, saves and starts a push built by <paramref name="create"/> from its new configId. Null (and the holder's
    /// configId) when the same local stream already goes to the same target and name.
    /// </summary>
    public PushStream? TryStart(PushTarget target, Func<long, PushStreamConfiguration> create, out long existingConfigId)
    {
        PushStream push;
        lock (_gate)
        {
            PushStreamConfiguration? configuration = null;
            var probe = create(0);
            foreach (var running in _pushes.Values)
            {
                var c = running.Configuration;
                if (c.LocalStreamName == probe.LocalStreamName && c.TargetStreamName == probe.TargetStreamName &&
                    string.Equals(c.TargetUri, probe.TargetUri, StringComparison.OrdinalIgnoreCase))
                {
                    existingConfigId = c.ConfigId;
                    return null;
                }
            }

            store.Add(OperationType.Push, probe.KeepAlive, id =>
            {
                configuration = create(id);
                return configuration.ToJson();
            });
            push = new PushStream(configuration!, target, _services, time, logger);
            _pushes.Add(configuration!.ConfigId, push);
        }

        existingConfigId = 0;
        Launch(push);
        return push;
    }

    /// <summary>The push of configuration <paramref name="configId"/>, or null.</summary>
    public PushStream? Find(long configId)
    {
        lock (_gate)
        {
            return _pushes.GetValueOrDefault(configId);
        }
    }

    /// <summary>Stops a push and removes its configuration (<c>removeConfig</c>).</summary>
    public async ValueTask<PushStream?> RemoveAsync(long configId)
    {
        PushStream? push;
        lock (_gate)
        {
            // The removal is saved first: a failed save (IOException) leaves the push running and configured.
            if (_pushes.TryGetValue(configId, out push))
            {
                store.TryRemove(configId, out _);
                _pushes.Remove(configId);
            }
        }

        if (push is not null)
        {
            await push.StopAsync().ConfigureAwait(false);
        }

        return push;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        store.Load();
        var restored = new List<PushStream>();
        lock (_gate)
        {
            foreach (var entry in store.Snapshot())
            {
                if (entry.OperationType != OperationType.Push)
                {
                    continue;
                }

                if (!PushStreamConfiguration.TryFromJson(entry.Data, out var configuration) || configuration.ConfigId != entry.ConfigId ||
                    !PushTarget.TryParse(configuration.TargetUri, out var target, out _))
                {
                    IngestLog.PushSkipped(logger, entry.ConfigId);
                    continue;
                }

                var push = new PushStream(configuration, target, _services, time, logger);
                _pushes.Add(configuration.ConfigId, push);
                restored.Add(push);
            }
        }

        foreach (var push in restored)
        {
            Launch(push);
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        List<PushStream> all;
        lock (_gate)
        {
            all = [.. _pushes.Values];
            _pushes.Clear();
        }

        foreach (var push in all)
        {
            await push.StopAsync().ConfigureAwait(false);
        }
    }

    private void Launch(PushStream push)
    {
        push.Start();
        if (!push.Configuration.KeepAlive)
        {
            // A one-shot push that ended is forgotten with its configuration: nothing stays half-created.
            _ = push.Completion.ContinueWith(
                (_, state) => Forget((PushStream)state!), push, CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private void Forget(PushStream push)
    {
        lock (_gate)
        {
            if (_pushes.TryGetValue(push.Configuration.ConfigId, out var current) && ReferenceEquals(current, push))
            {
                _pushes.Remove(push.Configuration.ConfigId);
                store.TryRemove(push.Configuration.ConfigId, out _);
            }
        }
    }
}
