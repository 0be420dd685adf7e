using System.Globalization;
using EmsSharp.Server.Ingest;

namespace EmsSharp.Server.Api.Commands;

/// <summary><c>pullStream</c>: pulls an RTSP or RTMP source into a local live stream, as a configuration (operationType 1).</summary>
internal sealed class PullStreamCommand(PullStreamManager pulls) : IApiCommand
{
    public string Name => "pullStream";

    public bool ChangesState => true;

    public string Description => "Pulls an rtsp:// or rtmp:// source into a local stream (retried every second with keepalive)";

    public IReadOnlyList<CommandParameter> Parameters { get; } =
    [
        new("uri", ParameterKind.NonEmptyString, true, null, "source: rtsp://[user:password@]host[:port]/path or rtmp://host[:port]/app/stream"),
        new("localStreamName", ParameterKind.NonEmptyString, false, null, "name of the local stream; default the last path segment of uri"),
        new("keepAlive", ParameterKind.Boolean, false, "true", "retry every second after any failure and persist the configuration"),
        new("forceTcp", ParameterKind.Boolean, false, "false", "RTSP only: RTP interleaved on the RTSP connection instead of UDP"),
    ];

    // EvoStream's ASCII CLI subset (shared/EVOSTREAM-API.md §6); uri, an object here, prints its own three.
    public IReadOnlySet<string>? AsciiMembers { get; } =
        new HashSet<string>(StringComparer.Ordinal) { "localStreamName", "configId", "keepAlive", "forceTcp", "uri", "scheme", "port", "fullUri" };

    // The reply's `ip` waits this long at most for the host to resolve (the pull itself resolves again as it connects).
    private static readonly TimeSpan ResolveTimeout = TimeSpan.FromSeconds(2);

    public async ValueTask<ApiReply> ExecuteAsync(CommandArguments arguments, CommandSession session, CancellationToken cancellationToken)
    {
        var text = arguments.GetString("uri")!;
        if (!PullStreamManager.TryParseUri(text, out var uri, out var defaultName))
        {
            return ApiReply.Fail("Invalid value for uri: expected rtsp://host[:port]/path or rtmp://host[:port]/app/stream");
        }

        var name = arguments.GetString("localStreamName") ?? defaultName;
        var pull = pulls.TryStart(uri, text, name, arguments.GetBoolean("keepAlive")!.Value, arguments.GetBoolean("forceTcp")!.Value, out var existing);
        if (pull is null)
        {
            return ApiReply.Fail(string.Create(CultureInfo.InvariantCulture,
                $"Stream {name} is already pulled by configId {existing}; use another localstreamname or removeConfig id={existing}"));
        }

        // EvoStream's reply: the pull's settings with `uri` spelled out as an object (shared/EVOSTREAM-API.md §4); the
        // settings in listConfig and pullSettings keep the text, which EvoStream's web UI reads as a string.
        var data = pull.Configuration.ToJson();
        var ip = await EvoStreamUri.ResolveAsync(uri, ResolveTimeout, cancellationToken).ConfigureAwait(false);
        data["uri"] = EvoStreamUri.ToJson(uri, text, ip);
        return ApiReply.Ok($"Stream {text} enqueued for pulling", data);
    }
}
