using System.Collections.Concurrent;
using EmsSharp.Server.Configs;

namespace EmsSharp.Server.Delivery.Hls;

/// <summary>The outputs one create call made (its <c>groupName</c>), sharing a folder and a group manifest. Thread-safe.</summary>
internal abstract class SegmentedGroup<TOutput>(string name, string folder, string manifestName)
{
    private readonly Lock _gate = new();
    private readonly List<TOutput> _members = [];

    public string Name { get; } = name;

    public string Folder { get; } = folder;

    /// <summary>The file name of the group's manifest (HLS: the master playlist's; DASH: the MPD's).</summary>
    public string ManifestName { get; } = manifestName;

    /// <summary>The group's manifest on disk, or null when the group writes none.</summary>
    public abstract string? ManifestPath { get; }

    public IReadOnlyList<TOutput> Members
    {
        get
        {
            lock (_gate)
            {
                return [.. _members];
            }
        }
    }

    public void Join(TOutput output)
    {
        lock (_gate)
        {
            _members.Add(output);
        }
    }

    /// <summary>Takes an output out; true when the group is then empty.</summary>
    public bool Leave(TOutput output)
    {
        lock (_gate)
        {
            _members.Remove(output);
            return _members.Count == 0;
        }
    }
}

/// <summary>
/// The segmented outputs of one kind (HLS, DASH), one per stream, on the shared <see cref="ConfiguredItemManager{T}"/>:
/// saved, replayed at start-up (keepAlive), removed by configId or by group. Also the HTTP side's directory: the output of a
/// stream name and the group of a group name. One output of a kind per stream: its HTTP path is unique.
/// </summary>
internal abstract partial class SegmentedOutputManager<TOutput, TGroup>(
    ConfigurationStore store, OperationType operationType, HlsServices services, string kind, ILogger logger)
    : ConfiguredItemManager<TOutput>(store, operationType)
    where TOutput : SegmentedOutput
    where TGroup : SegmentedGroup<TOutput>
{
    private readonly ConcurrentDictionary<string, TOutput> _byStream = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TGroup> _groups = new(StringComparer.Ordinal);

    public HlsOptions Options => services.Options;

    protected HlsServices Services => services;

    /// <summary>The output of stream <paramref name="name"/>, or null.</summary>
    public TOutput? FindByStream(string name) => _byStream.GetValueOrDefault(name);

    /// <summary>The group <paramref name="name"/>, or null.</summary>
    public TGroup? FindGroup(string name)
    {
        lock (Gate)
        {
            return _groups.GetValueOrDefault(name);
        }
    }

    /// <summary>
    /// Creates, saves and starts one output per stream of <paramref name="streams"/> in group <paramref name="groupName"/>,
    /// all or none: null and why when a stream already has an output, the group exists in another folder, or the outputs
    /// would pass <see cref="HlsOptions.MaxOutputs"/>. <paramref name="create"/> makes stream i's output with its configId.
    /// </summary>
    public IReadOnlyList<TOutput>? TryCreate(
        IReadOnlyList<string> streams, string groupName, string groupFolder, string manifestName, bool keepAlive,
        Func<TGroup> newGroup, Func<long, int, TGroup, TOutput> create, out string error)
    {
        var created = new List<TOutput>();
        lock (Gate)
        {
            foreach (var name in streams)
            {
                if (_byStream.TryGetValue(name, out var existing))
                {
                    error = $"Stream {name} already has {(kind == "HLS" ? "an" : "a")} {kind} output (configId {existing.ConfigId}); removeConfig id={existing.ConfigId} first";
                    return null;
                }
            }

            if (_byStream.Count + streams.Count > services.Options.MaxOutputs)
            {
                error = $"At most {services.Options.MaxOutputs} {kind} outputs (Hls:MaxOutputs)";
                return null;
            }

            if (_groups.TryGetValue(groupName, out var group) && (group.Folder != groupFolder || group.ManifestName != manifestName))
            {
                error = $"Group {groupName} already writes to {group.Folder} ({group.ManifestName}); choose another groupName";
                return null;
            }

            if (group is null)
            {
                group = newGroup();
                _groups.Add(groupName, group);
            }

            try
            {
                for (var i = 0; i < streams.Count; i++)
                {
                    var index = i;
                    var output = AddLocked(keepAlive, id =>
                    {
                        var made = create(id, index, group);
                        return (made.ConfigurationToJson(), made);
                    });
                    group.Join(output);
                    _byStream[output.LocalStreamName] = output;
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

    /// <summary>Removes an output (removeConfig), and with <paramref name="deleteFiles"/> its files (and the group's manifest once the group is empty).</summary>
    public async ValueTask<TOutput?> RemoveAsync(long configId, bool deleteFiles)
    {
        var output = await RemoveAsync(configId).ConfigureAwait(false);
        if (output is not null && deleteFiles)
        {
            var group = GroupOf(output);
            var manifest = group.Members.Count == 0 ? group.ManifestPath : null;
            // On a thread of its own (ARCHITECTURE.md rule 10): a blocked disk holds the removal, not a pool worker.
            await DiskThread.Run("output cleanup", () =>
            {
                output.DeleteFiles();
                if (manifest is not null)
                {
                    services.Files.TryDelete(manifest);
                }
            }).ConfigureAwait(false);
        }

        return output;
    }

    /// <summary>The group of an output.</summary>
    protected abstract TGroup GroupOf(TOutput output);

    /// <summary>A saved configuration read back: its stream, its group (made when it is not there yet) and its output; or null.</summary>
    protected abstract (string Stream, string GroupName, Func<TGroup> NewGroup, Func<TGroup, TOutput> NewOutput)? ReadSaved(ConfigurationEntry entry);

    protected override void Removed(TOutput item)
    {
        _byStream.TryRemove(new KeyValuePair<string, TOutput>(item.LocalStreamName, item));
        var group = GroupOf(item);
        if (group.Leave(item))
        {
            _groups.Remove(group.Name);
        }
    }

    protected override TOutput? Restore(ConfigurationEntry entry)
    {
        if (ReadSaved(entry) is not { } saved || _byStream.ContainsKey(saved.Stream))
        {
            LogSkipped(logger, kind, entry.ConfigId);
            return null;
        }

        if (!_groups.TryGetValue(saved.GroupName, out var group))
        {
            group = saved.NewGroup();
            _groups.Add(group.Name, group);
        }

        var output = saved.NewOutput(group);
        group.Join(output);
        _byStream[saved.Stream] = output;
        return output;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Saved {Kind} configuration {ConfigId} is unusable (or its stream already has an output); skipped")]
    private static partial void LogSkipped(ILogger logger, string kind, long configId);
}
