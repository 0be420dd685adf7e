using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using EmsSharp.Server.Delivery.Hls;

namespace EmsSharp.Server.Api.Commands;

/// <summary>
/// <c>createHLSStream</c> (shared/EVOSTREAM-API.md §4): one HLS output per local stream, fMP4 (CMAF) segments and playlists
/// written under <c>targetFolder/&lt;stream&gt;/</c>, a master playlist in <c>targetFolder</c>, and the same stream served as
/// Low-Latency HLS by the ems over HTTP (docs/OPERATIONS.md). One configuration (operationType 3) per stream, in one group.
/// EvoStream's options that change the output format (encryption, byte ranges, audio only, resume) are accepted only at
/// their default: anything else is a FAIL rather than silently ignored.
/// </summary>
internal sealed class CreateHlsStreamCommand(HlsOutputManager outputs, TimeProvider time) : IApiCommand
{
    public string Name => "createHLSStream";

    public bool ChangesState => true;

    public string Description => "Writes local streams as HLS (fMP4 segments, master playlist) and serves them as Low-Latency HLS";

    public IReadOnlyList<CommandParameter> Parameters { get; } =
    [
        new("localStreamNames", ParameterKind.NonEmptyString, true, null, "comma-separated local streams"),
        new("targetFolder", ParameterKind.NonEmptyString, true, null, "folder of the files: relative to Hls:MediaFolder, or absolute under it or Hls:AllowedFolders"),
        new("bandwidths", ParameterKind.String, false, "", "comma-separated bits/s per stream for the master playlist; default the measured peak"),
        new("groupName", ParameterKind.String, false, "", "the group of the outputs (removeConfig groupName=...); default hls_group_xxxx"),
        new("playlistType", ParameterKind.NonEmptyString, false, "appending", "appending (every segment stays) or rolling (the last playlistLength)"),
        new("playlistLength", ParameterKind.Integer, false, "10", "segments in a rolling playlist and in memory for HTTP, 1-1000"),
        new("playlistName", ParameterKind.NonEmptyString, false, "playlist.m3u8", "file name of the playlists"),
        new("chunkLength", ParameterKind.Integer, false, "10", "shortest segment, seconds (1-3600); a segment ends at the first keyframe after it"),
        new("chunkOnIDR", ParameterKind.Boolean, false, "true", "segments start at keyframes (only 1 is supported)"),
        new("chunkBaseName", ParameterKind.NonEmptyString, false, "segment", "segment file names: <chunkBaseName>_<n>.m4s"),
        new("keepAlive", ParameterKind.Boolean, false, "true", "wait for the streams, go on after they restart, and persist the configuration"),
        new("overwriteDestination", ParameterKind.Boolean, false, "true", "0: FAIL when a stream's playlist already exists"),
        new("staleRetentionCount", ParameterKind.Integer, false, null, "rolling: segments kept on disk after they left the playlist; default playlistLength"),
        new("createMasterPlaylist", ParameterKind.Boolean, false, "true", "write targetFolder/<playlistName> listing the streams"),
        new("cleanupDestination", ParameterKind.Boolean, false, "false", "delete the stream's old HLS files at start"),
        new("AESKeyCount", ParameterKind.Integer, false, "5", "accepted for EvoStream compatibility (no encryption)"),
        new("maxChunkLength", ParameterKind.Integer, false, "0", "only 0 is supported"),
        new("audioOnly", ParameterKind.Boolean, false, "false", "only 0 is supported"),
        new("hlsResume", ParameterKind.Boolean, false, "false", "only 0 is supported"),
        new("cleanupOnClose", ParameterKind.Boolean, false, "false", "only 0 is supported"),
        new("useByteRange", ParameterKind.Boolean, false, "false", "only 0 is supported"),
        new("fileLength", ParameterKind.Integer, false, "0", "only 0 is supported"),
        new("startOffset", ParameterKind.Integer, false, "0", "only 0 is supported"),
        new("drmType", ParameterKind.NonEmptyString, false, "none", "only none is supported"),
    ];

    public IReadOnlySet<string>? AsciiMembers { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "configIds", "localStreamNames", "targetFolder", "groupName", "playlistType", "chunkLength", "keepAlive", "hlsVersion",
    };

    public ValueTask<ApiReply> ExecuteAsync(CommandArguments arguments, CommandSession session, CancellationToken cancellationToken)
    {
        if (Validate(arguments, outputs.Options, out var request) is { } invalid)
        {
            return ValueTask.FromResult(ApiReply.Fail(invalid));
        }

        var now = time.GetUtcNow();
        var created = outputs.TryCreate(request.Streams, request.GroupName, request.Folder, request.PlaylistName, request.CreateMaster,
            (id, i) => new HlsConfiguration(id, request.Streams[i], request.GroupName, request.Folder, request.Bandwidths[i],
                request.Rolling, request.PlaylistLength, request.PlaylistName, request.ChunkLength, request.ChunkBaseName,
                request.KeepAlive, request.Overwrite, request.StaleRetentionCount, request.CreateMaster, request.Cleanup, now),
            out var error);
        if (created is null)
        {
            return ValueTask.FromResult(ApiReply.Fail(error));
        }

        var data = created[0].Configuration.ToJson();
        data.Remove("configId");
        data.Remove("localStreamName");
        data.Remove("bandwidth");
        data.Remove("operationType");
        data.Remove("timestamp");
        data["targetFolder"] = request.Folder;
        data["configIds"] = new JsonArray([.. created.Select(static o => JsonValue.Create(o.ConfigId))]);
        data["localStreamNames"] = new JsonArray([.. request.Streams.Select(static s => JsonValue.Create(s))]);
        data["bandwidths"] = new JsonArray([.. request.Bandwidths.Select(static b => JsonValue.Create(b))]);
        data["publishingPoint"] = "";
        return ValueTask.FromResult(ApiReply.Ok("HLS stream created", data));
    }

    /// <summary>What a valid createHLSStream asks for.</summary>
    internal sealed record HlsRequest(
        string[] Streams, long[] Bandwidths, string Folder, string GroupName, bool Rolling, int PlaylistLength, string PlaylistName,
        int ChunkLength, string ChunkBaseName, bool KeepAlive, bool Overwrite, int StaleRetentionCount, bool CreateMaster, bool Cleanup);

    /// <summary>Why the arguments cannot make HLS outputs (EvoStream's "Invalid value for ..." wording), or null.</summary>
    internal static string? Validate(CommandArguments arguments, HlsOptions options, out HlsRequest request)
    {
        request = null!;
        var streams = arguments.GetString("localStreamNames")!.Split(',', StringSplitOptions.TrimEntries);
        if (streams.Length > HlsValidation.MaxStreams)
        {
            return $"Invalid value for localstreamnames: at most {HlsValidation.MaxStreams} streams";
        }

        foreach (var stream in streams)
        {
            if (!HlsValidation.IsStreamFolderName(stream, out var reason))
            {
                return $"Invalid value for localstreamnames: {stream}: {reason}";
            }
        }

        if (streams.Distinct(StringComparer.Ordinal).Count() != streams.Length)
        {
            return "Invalid value for localstreamnames: a stream is named twice";
        }

        var bandwidths = new long[streams.Length];
        if (arguments.GetString("bandwidths") is { Length: > 0 } bandwidthText)
        {
            var parts = bandwidthText.Split(',', StringSplitOptions.TrimEntries);
            if (parts.Length != streams.Length)
            {
                return "Invalid value for bandwidths: give one per stream of localstreamnames";
            }

            for (var i = 0; i < parts.Length; i++)
            {
                if (!long.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out bandwidths[i]) || bandwidths[i] is < 1 or > 1_000_000_000_000)
                {
                    return $"Invalid value for bandwidths: {parts[i]} is not a bit rate (1 to 10^12 bits/s)";
                }
            }
        }

        var folder = HlsValidation.ResolveTargetFolder(arguments.GetString("targetFolder")!, options, out var folderError);
        if (folder is null)
        {
            return $"Invalid value for targetfolder: {folderError}";
        }

        var groupName = arguments.GetString("groupName") is { Length: > 0 } g ? g : "hls_group_" + RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyz0123456789", 4);
        if (!HlsValidation.IsFileName(groupName))
        {
            return "Invalid value for groupname: letters, digits, '-', '_' and '.', at most 128 characters";
        }

        var type = arguments.GetString("playlistType")!;
        if (type is not ("rolling" or "appending"))
        {
            return "Invalid value for playlisttype: expected rolling or appending";
        }

        var playlistLength = arguments.GetInt64("playlistLength")!.Value;
        if (playlistLength is < 1 or > HlsValidation.MaxPlaylistLength)
        {
            return $"Invalid value for playlistlength: expected 1 to {HlsValidation.MaxPlaylistLength}";
        }

        var chunkLength = arguments.GetInt64("chunkLength")!.Value;
        if (chunkLength is < 1 or > HlsValidation.MaxChunkLength)
        {
            return $"Invalid value for chunklength: expected 1 to {HlsValidation.MaxChunkLength} seconds";
        }

        var stale = arguments.GetInt64("staleRetentionCount") ?? playlistLength;
        if (stale is < 0 or > HlsValidation.MaxPlaylistLength)
        {
            return $"Invalid value for staleretentioncount: expected 0 to {HlsValidation.MaxPlaylistLength}";
        }

        foreach (var name in (ReadOnlySpan<string>)["playlistName", "chunkBaseName"])
        {
            if (!HlsValidation.IsFileName(arguments.GetString(name)))
            {
                return $"Invalid value for {name.ToLowerInvariant()}: a file name (letters, digits, '-', '_' and '.'), no folder";
            }
        }

        if (!arguments.GetString("playlistName")!.EndsWith(".m3u8", StringComparison.OrdinalIgnoreCase))
        {
            return "Invalid value for playlistname: must end with .m3u8";
        }

        if (Unsupported(arguments) is { } unsupported)
        {
            return unsupported;
        }

        var playlistName = arguments.GetString("playlistName")!;
        if (!arguments.GetBoolean("overwriteDestination")!.Value &&
            streams.FirstOrDefault(s => File.Exists(Path.Combine(folder, s, playlistName))) is { } existing)
        {
            return $"Invalid value for targetfolder: {Path.Combine(folder, existing, playlistName)} exists and overwriteDestination is 0";
        }

        if (!HlsValidation.IsWritable(folder, out var writeError))
        {
            return $"Invalid value for targetfolder: cannot write to {folder}: {writeError}";
        }

        request = new HlsRequest(streams, bandwidths, folder, groupName, type == "rolling", (int)playlistLength, playlistName,
            (int)chunkLength, arguments.GetString("chunkBaseName")!, arguments.GetBoolean("keepAlive")!.Value,
            arguments.GetBoolean("overwriteDestination")!.Value, (int)stale, arguments.GetBoolean("createMasterPlaylist")!.Value,
            arguments.GetBoolean("cleanupDestination")!.Value);
        return null;
    }

    private static string? Unsupported(CommandArguments arguments)
    {
        if (!arguments.GetBoolean("chunkOnIDR")!.Value)
        {
            return "Invalid value for chunkonidr: only 1 is supported (every segment starts at a keyframe)";
        }

        foreach (var name in (ReadOnlySpan<string>)["audioOnly", "hlsResume", "cleanupOnClose", "useByteRange"])
        {
            if (arguments.GetBoolean(name)!.Value)
            {
                return $"Invalid value for {name.ToLowerInvariant()}: only 0 is supported";
            }
        }

        foreach (var name in (ReadOnlySpan<string>)["maxChunkLength", "fileLength", "startOffset"])
        {
            if (arguments.GetInt64(name) != 0)
            {
                return $"Invalid value for {name.ToLowerInvariant()}: only 0 is supported";
            }
        }

        return arguments.GetString("drmType") is "none" ? null : "Invalid value for drmtype: only none is supported (no encryption)";
    }
}
