using System.Text.Json.Nodes;
using EmsSharp.Server.Configs;
using EmsSharp.Server.Delivery.Hls;

namespace EmsSharp.Server.Delivery.Dash;

/// <summary>
/// One stream's DASH output as <c>createDASHStream</c> configured it (operationType 6, one configuration per stream;
/// shared/EVOSTREAM-API.md §3 <c>dash</c>). The segments go to <see cref="TargetFolder"/>
/// (<see cref="GroupTargetFolder"/>/<see cref="LocalStreamName"/>); the group's MPD is <see cref="ManifestPath"/>.
/// <see cref="ToJson"/> is the persisted form, listConfig's <c>dash</c> entry and the output's <c>dashSettings</c>; the
/// <c>_</c> user variables ride along in it and in the output's events.
/// </summary>
internal sealed record DashConfiguration(
    long ConfigId,
    string LocalStreamName,
    string GroupName,
    string GroupTargetFolder,
    long Bandwidth,
    bool Rolling,
    int PlaylistLength,
    string ManifestName,
    int ChunkLength,
    bool KeepAlive,
    bool OverwriteDestination,
    int StaleRetentionCount,
    bool CleanupDestination,
    DateTimeOffset CreatedAt,
    JsonObject UserVariables)
{
    public string TargetFolder => Path.Combine(GroupTargetFolder, LocalStreamName);

    public string ManifestPath => Path.Combine(GroupTargetFolder, ManifestName);

    /// <summary>The MPD's timeShiftBufferDepth: a rolling window's length; null when appending (everything stays).</summary>
    public TimeSpan? TimeShiftBufferDepth => Rolling ? TimeSpan.FromSeconds((long)PlaylistLength * ChunkLength) : null;

    /// <summary>EvoStream's members, alphabetical, the user variables (<c>_</c> sorts first) leading.</summary>
    public JsonObject ToJson()
    {
        var json = new JsonObject();
        CopyUserVariables(UserVariables, json);
        json["bandwidth"] = Bandwidth;
        json["chunkLength"] = ChunkLength;
        json["chunkOnIDR"] = true;
        json["cleanupDestination"] = CleanupDestination;
        json["configId"] = ConfigId;
        json["dynamicProfile"] = true;
        json["groupName"] = GroupName;
        json["groupTargetFolder"] = GroupTargetFolder;
        json["keepAlive"] = KeepAlive;
        json["localStreamName"] = LocalStreamName;
        json["manifestName"] = ManifestName;
        json["operationType"] = (int)OperationType.Dash;
        json["overwriteDestination"] = OverwriteDestination;
        json["playlistLength"] = PlaylistLength;
        json["playlistType"] = Rolling ? "rolling" : "appending";
        json["staleRetentionCount"] = StaleRetentionCount;
        json["targetFolder"] = TargetFolder;
        json["timestamp"] = CreatedAt.ToUnixTimeMilliseconds();
        return json;
    }

    /// <summary>The user variables alone, for the output's events.</summary>
    public void AddUserVariablesTo(JsonObject payload) => CopyUserVariables(UserVariables, payload);

    /// <summary>Reads a persisted configuration back; false when a member is missing, of the wrong type or out of range.</summary>
    public static bool TryFromJson(JsonObject json, out DashConfiguration configuration)
    {
        configuration = null!;
        try
        {
            var m = SavedSegmentedMembers.Read(json);
            var variables = new JsonObject();
            CopyUserVariables(json, variables);
            configuration = new DashConfiguration(
                m.ConfigId, m.LocalStreamName, m.GroupName, m.GroupTargetFolder, m.Bandwidth, m.Rolling, m.PlaylistLength,
                json["manifestName"]!.GetValue<string>(), m.ChunkLength, m.KeepAlive, m.OverwriteDestination, m.StaleRetentionCount,
                m.CleanupDestination, m.CreatedAt, variables);
            return m.IsValid && HlsValidation.IsFileName(configuration.ManifestName);
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or NullReferenceException)
        {
            return false;
        }
    }

    // The _ members of from (the user variables, EvoStream's convention), copied in name order.
    private static void CopyUserVariables(JsonObject from, JsonObject to)
    {
        foreach (var (key, value) in from.Where(static p => p.Key.StartsWith('_')).OrderBy(static p => p.Key, StringComparer.Ordinal))
        {
            to[key] = value?.DeepClone();
        }
    }
}
