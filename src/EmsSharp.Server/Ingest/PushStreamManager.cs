using EmsSharp.Media.Hub;
using EmsSharp.Server.Configs;
using EmsSharp.Server.Connections;
using EmsSharp.Server.Delivery;
using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Ingest;

/// <summary>
/// The running pushes, one per push configuration (operationType 2) of the <see cref="ConfigurationStore"/>: saved,
/// restored at start-up, stopped at shutdown and forgotten when one-shot, as <see cref="ConfiguredItemManager{TItem}"/> does.
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
        var probe = create(0);
        return TryAdd(probe.KeepAlive,
            running => running.Configuration.LocalStreamName == probe.LocalStreamName &&
                running.Configuration.TargetStreamName == probe.TargetStreamName &&
                string.Equals(running.Configuration.TargetUri, probe.TargetUri, StringComparison.OrdinalIgnoreCase),
            id =>
            {
                var configuration = create(id);
                return (configuration.ToJson(), new PushStream(configuration, target, _services, time, logger));
            },
            out existingConfigId);
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
