using EmsSharp.Media.Hub;
using EmsSharp.Server.Configs;
using EmsSharp.Server.Delivery.Hls;
using EmsSharp.Server.Events;
using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Delivery.Dash;

/// <summary>
/// The DASH outputs, one per DASH configuration (operationType 6): a <see cref="SegmentedOutputManager{TOutput, TGroup}"/>
/// like HLS's, on the same options (<c>Hls</c> section: media folder, memory, write queue, limits).
/// </summary>
internal sealed class DashOutputManager(
    ConfigurationStore store, StreamHub hub, IEventPublisher events, IOptions<HlsOptions> options, TimeProvider time,
    ILogger<DashOutputManager> logger, OutboundStreamRegistry? outputs = null, IHlsFileSystem? files = null)
    : SegmentedOutputManager<DashOutput, DashGroup>(
        store, OperationType.Dash, new HlsServices(hub, events, files ?? HlsDiskFileSystem.Instance, options.Value, outputs, time, logger),
        "DASH", logger)
{
    /// <summary>Creates, saves and starts one DASH output per stream (see the base's TryCreate).</summary>
    public IReadOnlyList<DashOutput>? TryCreate(
        IReadOnlyList<string> streams, string groupName, string groupFolder, string manifestName, bool keepAlive,
        Func<long, int, DashConfiguration> create, out string error) =>
        TryCreate(streams, groupName, groupFolder, manifestName, keepAlive,
            () => new DashGroup(groupName, groupFolder, manifestName, Services.Time),
            (id, i, group) => new DashOutput(create(id, i), Services, group), out error);

    protected override DashGroup GroupOf(DashOutput output) => output.Group;

    protected override (string Stream, string GroupName, Func<DashGroup> NewGroup, Func<DashGroup, DashOutput> NewOutput)? ReadSaved(
        ConfigurationEntry entry)
    {
        if (!DashConfiguration.TryFromJson(entry.Data, out var c) || c.ConfigId != entry.ConfigId)
        {
            return null;
        }

        return (c.LocalStreamName, c.GroupName, () => new DashGroup(c.GroupName, c.GroupTargetFolder, c.ManifestName, Services.Time),
            group => new DashOutput(c, Services, group));
    }
}
