using System.Text.Json.Nodes;
using EmsSharp.Server.Delivery.Dash;
using EmsSharp.Server.Delivery.Hls;

namespace EmsSharp.Server.Api.Commands;

/// <summary>
/// <c>createDASHStream</c> (shared/EVOSTREAM-API.md §4): one DASH output per local stream (ISO/IEC 23009-1, live profile:
/// a dynamic MPD, one fMP4 init segment and moof+mdat segments per track), written under <c>targetFolder/&lt;stream&gt;/</c>
/// with the group's MPD in <c>targetFolder</c>, and served by the ems over HTTP like HLS (docs/OPERATIONS.md). One
/// configuration (operationType 6) per stream, in one group. Shares createHLSStream's parameters and checks.
/// </summary>
internal sealed class CreateDashStreamCommand(DashOutputManager outputs, TimeProvider time) : IApiCommand
{
    private const int MaxUserVariables = 64;

    public string Name => "createDASHStream";

    public bool ChangesState => true;

    public string Description => "Writes local streams as MPEG-DASH (dynamic MPD, fMP4 segments) and serves them over HTTP";

    public IReadOnlyList<CommandParameter> Parameters { get; } =
    [
        .. SegmentedCommand.CommonParameters("dash_group_xxxx", "MPD"),
        new("manifestName", ParameterKind.NonEmptyString, false, "manifest.mpd", "file name of the group's MPD (in targetFolder)"),
        new("dynamicProfile", ParameterKind.Boolean, false, "true", "a live (dynamic) MPD: only 1 is supported"),
    ];

    public IReadOnlySet<string>? AsciiMembers { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "configIds", "localStreamNames", "targetFolder", "groupName", "playlistType", "chunkLength", "keepAlive", "manifestName",
    };

    public ValueTask<ApiReply> ExecuteAsync(CommandArguments arguments, CommandSession session, CancellationToken cancellationToken)
    {
        if (Validate(arguments, outputs.Options, out var request, out var manifestName) is { } invalid)
        {
            return ValueTask.FromResult(ApiReply.Fail(invalid));
        }

        var variables = new JsonObject();
        foreach (var (key, value) in arguments.UserVariables)
        {
            variables[key] = value;
        }

        var now = time.GetUtcNow();
        var created = outputs.TryCreate(request.Streams, request.GroupName, request.Folder, manifestName, request.KeepAlive,
            (id, i) => new DashConfiguration(id, request.Streams[i], request.GroupName, request.Folder, request.Bandwidths[i],
                request.Rolling, request.PlaylistLength, manifestName, request.ChunkLength, request.KeepAlive, request.Overwrite,
                request.StaleRetentionCount, request.Cleanup, now, (JsonObject)variables.DeepClone()),
            out var error);
        return ValueTask.FromResult(created is null
            ? ApiReply.Fail(error)
            : ApiReply.Ok("DASH stream created", SegmentedCommand.Reply(created[0].Configuration.ToJson(), request, created)));
    }

    /// <summary>Why the arguments cannot make DASH outputs (EvoStream's "Invalid value for ..." wording), or null.</summary>
    internal static string? Validate(CommandArguments arguments, HlsOptions options, out SegmentedRequest request, out string manifestName)
    {
        request = null!;
        manifestName = arguments.GetString("manifestName")!;
        if (!HlsValidation.IsFileName(manifestName) || !manifestName.EndsWith(".mpd", StringComparison.OrdinalIgnoreCase))
        {
            return "Invalid value for manifestname: a file name (letters, digits, '-', '_' and '.') ending with .mpd, no folder";
        }

        if (!arguments.GetBoolean("dynamicProfile")!.Value)
        {
            return "Invalid value for dynamicprofile: only 1 is supported (a live, dynamic MPD)";
        }

        if (arguments.UserVariables.Count > MaxUserVariables || arguments.UserVariables.Any(static v => v.Key.Length > 256 || v.Value.Length > 1024))
        {
            return "Too many or too long user variables (at most 64, names up to 256 and values up to 1024 characters)";
        }

        // overwriteDestination=0 looks for the group's MPD, which lives in targetFolder itself.
        var name = manifestName;
        return SegmentedCommand.Validate(arguments, options, "dash_group_", (folder, _) => Path.Combine(folder, name), out request);
    }
}
