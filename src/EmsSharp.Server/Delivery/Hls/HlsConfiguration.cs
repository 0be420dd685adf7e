using System.Text.Json.Nodes;
using EmsSharp.Server.Configs;

namespace EmsSharp.Server.Delivery.Hls;

/// <summary>
/// One stream's HLS output as <c>createHLSStream</c> configured it (operationType 3, one configuration per stream;
/// shared/EVOSTREAM-API.md §3 <c>hls</c>). <see cref="TargetFolder"/> is the stream's own folder
/// (<see cref="GroupTargetFolder"/>/<see cref="LocalStreamName"/>); the master playlist of the group is
/// <see cref="MasterPlaylistPath"/>. <see cref="ToJson"/> is the persisted form, listConfig's <c>hls</c> entry and the output's
/// <c>hlsSettings</c>.
/// </summary>
internal sealed record HlsConfiguration(
    long ConfigId,
    string LocalStreamName,
    string GroupName,
    string GroupTargetFolder,
    long Bandwidth,
    bool Rolling,
    int PlaylistLength,
    string PlaylistName,
    int ChunkLength,
    string ChunkBaseName,
    bool KeepAlive,
    bool OverwriteDestination,
    int StaleRetentionCount,
    bool CreateMasterPlaylist,
    bool CleanupDestination,
    DateTimeOffset CreatedAt)
{
    /// <summary>The version of the playlists written (EXT-X-VERSION 7: fMP4 with EXT-X-MAP needs 6, RFC 8216 §7).</summary>
    public const int HlsVersion = 7;

    public string TargetFolder => Path.Combine(GroupTargetFolder, LocalStreamName);

    public string PlaylistPath => Path.Combine(TargetFolder, PlaylistName);

    public string MasterPlaylistPath => Path.Combine(GroupTargetFolder, PlaylistName);

    /// <summary>EvoStream's members, alphabetical; the options EmsSharp does not implement carry their only accepted value.</summary>
    public JsonObject ToJson() => new()
    {
        ["AESKeyCount"] = 5,
        ["audioOnly"] = false,
        ["bandwidth"] = Bandwidth,
        ["chunkBaseName"] = ChunkBaseName,
        ["chunkLength"] = ChunkLength,
        ["chunkOnIDR"] = true,
        ["cleanupDestination"] = CleanupDestination,
        ["cleanupOnClose"] = false,
        ["configId"] = ConfigId,
        ["createMasterPlaylist"] = CreateMasterPlaylist,
        ["drmType"] = "none",
        ["fileLength"] = 0,
        ["groupName"] = GroupName,
        ["groupTargetFolder"] = GroupTargetFolder,
        ["hlsResume"] = false,
        ["hlsVersion"] = HlsVersion,
        ["keepAlive"] = KeepAlive,
        ["localStreamName"] = LocalStreamName,
        ["masterPlaylistPath"] = CreateMasterPlaylist ? MasterPlaylistPath : "",
        ["maxChunkLength"] = 0,
        ["offsetTime"] = 0,
        ["operationType"] = (int)OperationType.Hls,
        ["overwriteDestination"] = OverwriteDestination,
        ["playlistLength"] = PlaylistLength,
        ["playlistName"] = PlaylistName,
        ["playlistType"] = Rolling ? "rolling" : "appending",
        ["staleRetentionCount"] = StaleRetentionCount,
        ["startOffset"] = 0,
        ["targetFolder"] = TargetFolder,
        ["timestamp"] = CreatedAt.ToUnixTimeMilliseconds(),
        ["useByteRange"] = false,
        ["useSystemTime"] = false,
    };

    /// <summary>Reads a persisted configuration back; false when a member is missing, of the wrong type or out of range.</summary>
    public static bool TryFromJson(JsonObject json, out HlsConfiguration configuration)
    {
        configuration = null!;
        try
        {
            var m = SavedSegmentedMembers.Read(json);
            configuration = new HlsConfiguration(
                m.ConfigId, m.LocalStreamName, m.GroupName, m.GroupTargetFolder, m.Bandwidth, m.Rolling, m.PlaylistLength,
                json["playlistName"]!.GetValue<string>(), m.ChunkLength, json["chunkBaseName"]!.GetValue<string>(), m.KeepAlive,
                m.OverwriteDestination, m.StaleRetentionCount, json["createMasterPlaylist"]?.GetValue<bool>() ?? true,
                m.CleanupDestination, m.CreatedAt);
            return m.IsValid && HlsValidation.IsFileName(configuration.PlaylistName) && HlsValidation.IsFileName(configuration.ChunkBaseName);
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or NullReferenceException)
        {
            return false;
        }
    }
}

/// <summary>The members every persisted segmented output (HLS, DASH) has, as <c>ToJson</c> wrote them.</summary>
internal sealed record SavedSegmentedMembers(
    long ConfigId, string LocalStreamName, string GroupName, string GroupTargetFolder, long Bandwidth, bool Rolling, int PlaylistLength,
    int ChunkLength, bool KeepAlive, bool OverwriteDestination, int StaleRetentionCount, bool CleanupDestination, DateTimeOffset CreatedAt)
{
    /// <summary>Reads them; throws (InvalidOperationException, FormatException, NullReferenceException) when one is missing or of the wrong type.</summary>
    public static SavedSegmentedMembers Read(JsonObject json) => new(
        json["configId"]!.GetValue<long>(),
        json["localStreamName"]!.GetValue<string>(),
        json["groupName"]!.GetValue<string>(),
        json["groupTargetFolder"]!.GetValue<string>(),
        json["bandwidth"]?.GetValue<long>() ?? 0,
        json["playlistType"]?.GetValue<string>() != "appending",
        json["playlistLength"]!.GetValue<int>(),
        json["chunkLength"]!.GetValue<int>(),
        json["keepAlive"]?.GetValue<bool>() ?? true,
        json["overwriteDestination"]?.GetValue<bool>() ?? true,
        json["staleRetentionCount"]?.GetValue<int>() ?? 0,
        json["cleanupDestination"]?.GetValue<bool>() ?? false,
        DateTimeOffset.FromUnixTimeMilliseconds(json["timestamp"]?.GetValue<long>() ?? 0));

    /// <summary>Whether they are in the ranges createHLSStream and createDASHStream accept.</summary>
    public bool IsValid =>
        LocalStreamName.Length > 0 && Path.IsPathFullyQualified(GroupTargetFolder) &&
        PlaylistLength is >= 1 and <= HlsValidation.MaxPlaylistLength && ChunkLength is >= 1 and <= HlsValidation.MaxChunkLength &&
        StaleRetentionCount >= 0;
}
