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
        .. SegmentedCommand.CommonParameters("hls_group_xxxx", "playlist"),
        new("playlistName", ParameterKind.NonEmptyString, false, "playlist.m3u8", "file name of the playlists"),
        new("chunkBaseName", ParameterKind.NonEmptyString, false, "segment", "segment file names: <chunkBaseName>_<n>.m4s"),
        new("createMasterPlaylist", ParameterKind.Boolean, false, "true", "write targetFolder/<playlistName> listing the streams"),
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
        var common = request.Common;
        var created = outputs.TryCreate(common.Streams, common.GroupName, common.Folder, request.PlaylistName, request.CreateMaster,
            common.KeepAlive, (id, i) => new HlsConfiguration(id, common.Streams[i], common.GroupName, common.Folder, common.Bandwidths[i],
                common.Rolling, common.PlaylistLength, request.PlaylistName, common.ChunkLength, request.ChunkBaseName,
                common.KeepAlive, common.Overwrite, common.StaleRetentionCount, request.CreateMaster, common.Cleanup, now),
            out var error);
        return ValueTask.FromResult(created is null
            ? ApiReply.Fail(error)
            : ApiReply.Ok("HLS stream created", SegmentedCommand.Reply(created[0].Configuration.ToJson(), common, created)));
    }

    /// <summary>What a valid createHLSStream asks for.</summary>
    internal sealed record HlsRequest(SegmentedRequest Common, string PlaylistName, string ChunkBaseName, bool CreateMaster);

    /// <summary>Why the arguments cannot make HLS outputs (EvoStream's "Invalid value for ..." wording), or null.</summary>
    internal static string? Validate(CommandArguments arguments, HlsOptions options, out HlsRequest request)
    {
        request = null!;
        foreach (var name in (ReadOnlySpan<string>)["playlistName", "chunkBaseName"])
        {
            if (!HlsValidation.IsFileName(arguments.GetString(name)))
            {
                return $"Invalid value for {name.ToLowerInvariant()}: a file name (letters, digits, '-', '_' and '.'), no folder";
            }
        }

        var playlistName = arguments.GetString("playlistName")!;
        if (!playlistName.EndsWith(".m3u8", StringComparison.OrdinalIgnoreCase))
        {
            return "Invalid value for playlistname: must end with .m3u8";
        }

        if (Unsupported(arguments) is { } unsupported)
        {
            return unsupported;
        }

        if (SegmentedCommand.Validate(arguments, options, "hls_group_", (folder, s) => Path.Combine(folder, s, playlistName), out var common) is { } invalid)
        {
            return invalid;
        }

        request = new HlsRequest(common, playlistName, arguments.GetString("chunkBaseName")!, arguments.GetBoolean("createMasterPlaylist")!.Value);
        return null;
    }

    private static string? Unsupported(CommandArguments arguments)
    {
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
