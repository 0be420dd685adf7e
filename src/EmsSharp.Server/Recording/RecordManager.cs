using EmsSharp.Media.Hub;
using EmsSharp.Server.Configs;
using EmsSharp.Server.Delivery;
using EmsSharp.Server.Events;
using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Recording;

/// <summary>
/// The running recordings, one per record configuration (operationType 7) of the <see cref="ConfigurationStore"/>: saved,
/// restored at start-up, stopped (files finalised) at shutdown and forgotten when one-shot, as
/// <see cref="ConfiguredItemManager{TItem}"/> does.
/// </summary>
internal sealed class RecordManager(
    ConfigurationStore store, StreamHub hub, IOptions<RecordOptions> options, IEventPublisher events, TimeProvider time,
    ILogger<RecordManager> logger, OutboundStreamRegistry? outputs = null)
    : ConfiguredItemManager<Recorder>(store, OperationType.Record)
{
    private readonly RecordServices _services = new(hub, options.Value, events, outputs, RecordServices.OpenForWriting);

    /// <summary>
    /// Creates, saves and starts a recording built by <paramref name="create"/> from its new configId. Null (and the holder's
    /// configId) when a recording already writes to the same file.
    /// </summary>
    public Recorder? TryStart(Func<long, RecordConfiguration> create, out long existingConfigId)
    {
        var probe = create(0);
        return TryAdd(probe.KeepAlive,
            running => string.Equals(running.Configuration.ComputedPathToFile, probe.ComputedPathToFile, StringComparison.Ordinal),
            id =>
            {
                var configuration = create(id);
                return (configuration.ToJson(), new Recorder(configuration, _services, time, logger));
            },
            out existingConfigId);
    }

    protected override Recorder? Restore(ConfigurationEntry entry)
    {
        if (!RecordConfiguration.TryFromJson(entry.Data, out var configuration) || configuration.ConfigId != entry.ConfigId)
        {
            RecordLog.Skipped(logger, entry.ConfigId);
            return null;
        }

        return new Recorder(configuration, _services, time, logger);
    }
}
