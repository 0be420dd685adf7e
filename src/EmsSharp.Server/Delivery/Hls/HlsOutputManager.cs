using EmsSharp.Media.Hub;
using EmsSharp.Server.Configs;
using EmsSharp.Server.Events;
using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Delivery.Hls;

/// <summary>
/// The HLS outputs, one per HLS configuration (operationType 3): a <see cref="SegmentedOutputManager{TOutput, TGroup}"/>.
/// One output per stream: its HTTP path (<c>/&lt;stream&gt;/index.m3u8</c>) is unique.
/// </summary>
internal sealed class HlsOutputManager(
    ConfigurationStore store, StreamHub hub, IEventPublisher events, IOptions<HlsOptions> options, TimeProvider time,
    ILogger<HlsOutputManager> logger, OutboundStreamRegistry? outputs = null, IHlsFileSystem? files = null)
    : SegmentedOutputManager<HlsOutput, HlsGroup>(
        store, OperationType.Hls, new HlsServices(hub, events, files ?? HlsDiskFileSystem.Instance, options.Value, outputs, time, logger),
        "HLS", logger)
{
    /// <summary>Creates, saves and starts one HLS output per stream (see the base's TryCreate).</summary>
    public IReadOnlyList<HlsOutput>? TryCreate(
        IReadOnlyList<string> streams, string groupName, string groupFolder, string playlistName, bool createMaster, bool keepAlive,
        Func<long, int, HlsConfiguration> create, out string error) =>
        TryCreate(streams, groupName, groupFolder, playlistName, keepAlive,
            () => new HlsGroup(groupName, groupFolder, playlistName, createMaster),
            (id, i, group) => new HlsOutput(create(id, i), Services, group), out error);

    protected override HlsGroup GroupOf(HlsOutput output) => output.Group;

    protected override (string Stream, string GroupName, Func<HlsGroup> NewGroup, Func<HlsGroup, HlsOutput> NewOutput)? ReadSaved(
        ConfigurationEntry entry)
    {
        if (!HlsConfiguration.TryFromJson(entry.Data, out var c) || c.ConfigId != entry.ConfigId)
        {
            return null;
        }

        return (c.LocalStreamName, c.GroupName, () => new HlsGroup(c.GroupName, c.GroupTargetFolder, c.PlaylistName, c.CreateMasterPlaylist),
            group => new HlsOutput(c, Services, group));
    }
}
