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
    : ConfiguredItemManager<PushStream>(store, OperationType.Push)
{
    private readonly PushStreamServices _services = new(hub, options.Value, outputs, connections ?? new ConnectionRegistry(time));

    /// <summary>
    /// Creates, saves and starts a push built by <paramref name="create"/> from its new configId. Null (and the holder's
    /// configId) when the same local stream already goes to the same target and name.
    /// </summary>
    public PushStream? TryStart(PushTarget target, Func<long, PushStreamConfiguration> create, out long existingConfigId)
    {
        PushStream push;
        lock (Gate)
        {
            var probe = create(0);
            foreach (var running in ItemsLocked)
            {
                var c = running.Configuration;
                if (c.LocalStreamName == probe.LocalStreamName && c.TargetStreamName == probe.TargetStreamName &&
                    string.Equals(c.TargetUri, probe.TargetUri, StringComparison.OrdinalIgnoreCase))
                {
                    existingConfigId = c.ConfigId;
                    return null;
                }
            }

            push = AddLocked(probe.KeepAlive, id => new PushStream(create(id), target, _services, time, logger));
        }

        existingConfigId = 0;
        Launch(push);
        return push;
    }

    protected override PushStream? Restore(ConfigurationEntry entry)
    {
        if (!PushStreamConfiguration.TryFromJson(entry.Data, out var configuration) || configuration.ConfigId != entry.ConfigId ||
            !PushTarget.TryParse(configuration.TargetUri, out var target, out _))
        {
            IngestLog.PushSkipped(logger, entry.ConfigId);
            return null;
        }

        return new PushStream(configuration, target, _services, time, logger);
    }
}
