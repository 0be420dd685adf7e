using System.Collections.Concurrent;
using EmsSharp.Media.Hub;
using EmsSharp.Server.Configs;
using EmsSharp.Server.Events;
using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Delivery.Hls;

/// <summary>
/// The HLS outputs, one per HLS configuration (operationType 3), on the shared <see cref="ConfiguredItemManager{T}"/>: saved,
/// replayed at start-up (keepAlive), removed by configId or by group. Also the HTTP side's directory: the output of a stream
/// name and the group of a group name. One output per stream: its HTTP path (<c>/&lt;stream&gt;/index.m3u8</c>) is unique.
/// </summary>
internal sealed partial class HlsOutputManager : ConfiguredItemManager<HlsOutput>
{
    private readonly HlsServices _services;
    private readonly ConcurrentDictionary<string, HlsOutput> _byStream = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HlsGroup> _groups = new(StringComparer.Ordinal);
    private readonly ILogger<HlsOutputManager> _logger;

    public HlsOutputManager(
        ConfigurationStore store, StreamHub hub, IEventPublisher events, IOptions<HlsOptions> options, TimeProvider time,
        ILogger<HlsOutputManager> logger, OutboundStreamRegistry? outputs = null, IHlsFileSystem? files = null)
        : base(store, OperationType.Hls)
    {
        _logger = logger;
        _services = new HlsServices(hub, events, files ?? HlsDiskFileSystem.Instance, options.Value, outputs, time, logger);
    }

    public HlsOptions Options => _services.Options;

    /// <summary>The output of stream <paramref name="name"/>, or null.</summary>
    public HlsOutput? FindByStream(string name) => _byStream.GetValueOrDefault(name);

    /// <summary>The group <paramref name="name"/>, or null.</summary>
    public HlsGroup? FindGroup(string name)
    {
        lock (Gate)
        {
            return _groups.GetValueOrDefault(name);
        }
    }

    /// <summary>
    /// Creates, saves and starts one output per stream of <paramref name="streams"/> in group <paramref name="groupName"/>,
    /// all or none: null and why when a stream already has an output, the group exists in another folder, or the
    /// outputs would pass <see cref="HlsOptions.MaxOutputs"/>.
    /// </summary>
    public IReadOnlyList<HlsOutput>? TryCreate(
        IReadOnlyList<string> streams, string groupName, string groupFolder, string playlistName, bool createMaster,
        Func<long, int, HlsConfiguration> create, out string error)
    {
        var created = new List<HlsOutput>();
        lock (Gate)
        {
            foreach (var name in streams)
            {
                if (_byStream.TryGetValue(name, out var existing))
                {
                    error = $"Stream {name} already has an HLS output (configId {existing.ConfigId}); removeConfig id={existing.ConfigId} first";
                    return null;
                }
            }

            if (_byStream.Count + streams.Count > _services.Options.MaxOutputs)
            {
                error = $"At most {_services.Options.MaxOutputs} HLS outputs (Hls:MaxOutputs)";
                return null;
            }

            if (_groups.TryGetValue(groupName, out var group) && (group.Folder != groupFolder || group.PlaylistName != playlistName))
            {
                error = $"Group {groupName} already writes to {group.Folder} ({group.PlaylistName}); choose another groupName";
                return null;
            }

            if (group is null)
            {
                group = new HlsGroup(groupName, groupFolder, playlistName, createMaster);
                _groups.Add(groupName, group);
            }

            try
            {
                for (var i = 0; i < streams.Count; i++)
                {
                    var index = i;
                    var output = AddLocked(create(0, i).KeepAlive, id =>
                    {
                        var made = new HlsOutput(create(id, index), _services, group);
                        return (made.Configuration.ToJson(), made);
                    });
                    group.Join(output);
                    _byStream[output.Configuration.LocalStreamName] = output;
                    created.Add(output);
                }
            }
            catch (IOException ex)
            {
                error = ex.Message;
                foreach (var output in created)
                {
                    _ = RemoveAsync(output.ConfigId).AsTask();
                }

                return null;
            }
        }

        foreach (var output in created)
        {
            Launch(output);
        }

        error = "";
        return created;
    }

    /// <summary>Removes an output (removeConfig), and with <paramref name="deleteFiles"/> its files (and the master once its group is empty).</summary>
    public async ValueTask<HlsOutput?> RemoveAsync(long configId, bool deleteFiles)
    {
        var output = await RemoveAsync(configId).ConfigureAwait(false);
        if (output is not null && deleteFiles)
        {
            output.DeleteFiles();
            if (output.Group.Members.Count == 0 && output.Group.CreateMaster)
            {
                _services.Files.TryDelete(output.Configuration.MasterPlaylistPath);
            }
        }

        return output;
    }

    protected override void Removed(HlsOutput item)
    {
        _byStream.TryRemove(new KeyValuePair<string, HlsOutput>(item.Configuration.LocalStreamName, item));
        if (item.Group.Leave(item))
        {
            _groups.Remove(item.Group.Name);
        }
    }

    protected override HlsOutput? Restore(ConfigurationEntry entry)
    {
        if (!HlsConfiguration.TryFromJson(entry.Data, out var configuration) || configuration.ConfigId != entry.ConfigId ||
            _byStream.ContainsKey(configuration.LocalStreamName))
        {
            LogSkipped(_logger, entry.ConfigId);
            return null;
        }

        if (!_groups.TryGetValue(configuration.GroupName, out var group))
        {
            group = new HlsGroup(configuration.GroupName, configuration.GroupTargetFolder, configuration.PlaylistName, configuration.CreateMasterPlaylist);
            _groups.Add(group.Name, group);
        }

        var output = new HlsOutput(configuration, _services, group);
        group.Join(output);
        _byStream[configuration.LocalStreamName] = output;
        return output;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Saved HLS configuration {ConfigId} is unusable (or its stream already has an output); skipped")]
    private static partial void LogSkipped(ILogger logger, long configId);
}
