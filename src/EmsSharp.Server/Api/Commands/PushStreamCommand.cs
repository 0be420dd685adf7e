using System.Globalization;
using EmsSharp.Media.Hub;
using EmsSharp.Protocols.Rtmp;
using EmsSharp.Server.Ingest;

namespace EmsSharp.Server.Api.Commands;

/// <summary>
/// <c>pushStream</c>: sends a local live stream to another server over RTMP (publishes it there), as a configuration
/// (operationType 2; shared/EVOSTREAM-API.md §4). With keepAlive it waits for the stream, and reconnects after any failure;
/// without, the reply waits for the first attempt and is a FAIL when the target refused or could not be reached.
/// </summary>
internal sealed class PushStreamCommand(PushStreamManager pushes, StreamHub hub) : IApiCommand
{
    // The longest a one-shot push's reply waits for the target's answer (its own step timeouts end it sooner).
    private static readonly TimeSpan FirstOutcomeTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ResolveTimeout = TimeSpan.FromSeconds(2);
    private const int MaxTextLength = 1024;

    public string Name => "pushStream";

    public bool ChangesState => true;

    public string Description => "Pushes (publishes) a local stream to an rtmp:// server (reconnected every second with keepalive)";

    public IReadOnlyList<CommandParameter> Parameters { get; } =
    [
        new("uri", ParameterKind.NonEmptyString, true, null, "target: rtmp://host[:port]/app or rtsp://[user:password@]host[:port][/path]"),
        new("localStreamName", ParameterKind.NonEmptyString, true, null, "the local stream to send"),
        new("targetStreamName", ParameterKind.NonEmptyString, false, null, "the stream name at the target (a stream key); default localStreamName"),
        new("keepAlive", ParameterKind.Boolean, false, "true", "wait for the stream, reconnect every second after any failure, and persist the configuration"),
        new("targetStreamType", ParameterKind.NonEmptyString, false, "live", "publish type (RTMP 1.0 §7.2.2.6): live, record or append"),
        new("tcUrl", ParameterKind.String, false, "", "connect's tcUrl; default rtmp://host:port/app of uri"),
        new("pageUrl", ParameterKind.String, false, "", "connect's pageUrl"),
        new("swfUrl", ParameterKind.String, false, "", "connect's swfUrl"),
        new("emulateUserAgent", ParameterKind.NonEmptyString, false, PushStreamConfiguration.DefaultUserAgent, "connect's flashVer"),
        new("rtmpAbsoluteTimestamps", ParameterKind.Boolean, false, "false", "send the source's own timestamps instead of starting at 0"),
        new("sendChunkSizeRequest", ParameterKind.Boolean, false, "true", "send Set Chunk Size 4096 (RTMP 1.0 §5.4.1) before connect"),
        new("forceTcp", ParameterKind.Boolean, false, "false", "RTSP: RTP interleaved in the RTSP connection instead of UDP (RTMP is always TCP)"),
        new("tos", ParameterKind.Integer, false, "256", "IP type of service of the connection, 0-255; 256 leaves the system's"),
        new("ttl", ParameterKind.Integer, false, "256", "IP time to live of the connection, 1-255; 256 leaves the system's"),
    ];

    // The ASCII CLI prints a subset (shared/EVOSTREAM-API.md §6), as for pullStream.
    public IReadOnlySet<string>? AsciiMembers { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "configId", "localStreamName", "targetStreamName", "targetStreamType", "keepAlive", "targetUri", "scheme", "port", "fullUri",
    };

    public async ValueTask<ApiReply> ExecuteAsync(CommandArguments arguments, CommandSession session, CancellationToken cancellationToken)
    {
        if (Validate(arguments) is { } invalid)
        {
            return ApiReply.Fail(invalid);
        }

        var text = arguments.GetString("uri")!;
        PushTarget.TryParse(text, out var target, out _);
        var localStreamName = arguments.GetString("localStreamName")!;
        var targetStreamName = arguments.GetString("targetStreamName") ?? localStreamName;
        var keepAlive = arguments.GetBoolean("keepAlive")!.Value;
        if (!keepAlive && !hub.TryGetStream(localStreamName, out _))
        {
            // A one-shot push has nothing to wait with: EvoStream's words, and nothing is created.
            return ApiReply.Fail($"Stream {localStreamName} not found");
        }

        var push = pushes.TryStart(target, id => new PushStreamConfiguration(
            id, text, localStreamName, targetStreamName, keepAlive,
            arguments.GetString("targetStreamType")!,
            arguments.GetString("tcUrl") ?? "",
            arguments.GetString("pageUrl") ?? "",
            arguments.GetString("swfUrl") ?? "",
            arguments.GetString("emulateUserAgent")!,
            arguments.GetBoolean("rtmpAbsoluteTimestamps")!.Value,
            arguments.GetBoolean("sendChunkSizeRequest")!.Value,
            arguments.GetBoolean("forceTcp")!.Value,
            (int)arguments.GetInt64("tos")!.Value,
            (int)arguments.GetInt64("ttl")!.Value), out var existing);
        if (push is null)
        {
            return ApiReply.Fail(string.Create(CultureInfo.InvariantCulture,
                $"Stream {localStreamName} is already pushed to {text} as {targetStreamName} by configId {existing}; removeConfig id={existing} first"));
        }

        if (!keepAlive)
        {
            string? failure;
            try
            {
                failure = await push.FirstOutcome.WaitAsync(FirstOutcomeTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                failure = "the target did not answer";
            }

            if (failure is not null)
            {
                await pushes.RemoveAsync(push.Configuration.ConfigId).ConfigureAwait(false);
                return ApiReply.Fail($"Unable to push requested stream: {failure}");
            }
        }

        var data = push.Configuration.ToJson();
        var ip = await EvoStreamUri.ResolveAsync(target.Uri, ResolveTimeout, cancellationToken).ConfigureAwait(false);
        data["targetUri"] = EvoStreamUri.ToJson(target.Uri, text, ip);
        return ApiReply.Ok($"Local stream {localStreamName} enqueued for pushing to {text} as {targetStreamName}", data);
    }

    /// <summary>Why the arguments cannot make a push, or null.</summary>
    internal static string? Validate(CommandArguments arguments)
    {
        if (!PushTarget.TryParse(arguments.GetString("uri")!, out _, out var uriError))
        {
            return uriError;
        }

        if (!StreamName.IsValid(arguments.GetString("localStreamName"), out var reason))
        {
            return $"Invalid value for localstreamname: {reason}";
        }

        if (arguments.GetString("targetStreamName") is { } targetName &&
            (targetName.Length > MaxTextLength || targetName.Any(char.IsControl)))
        {
            return $"Invalid value for targetstreamname: at most {MaxTextLength} characters, no control characters";
        }

        if (!RtmpPublishOptions.IsValidType(arguments.GetString("targetStreamType")))
        {
            return "Invalid value for targetstreamtype: expected live, record or append";
        }

        foreach (var name in (ReadOnlySpan<string>)["tcUrl", "pageUrl", "swfUrl", "emulateUserAgent"])
        {
            if (arguments.GetString(name) is { } value && (value.Length > MaxTextLength || value.Any(char.IsControl)))
            {
                return $"Invalid value for {name.ToLowerInvariant()}: at most {MaxTextLength} characters, no control characters";
            }
        }

        if (arguments.GetString("tcUrl") is { Length: > 0 } tcUrl &&
            !(Uri.TryCreate(tcUrl, UriKind.Absolute, out var tc) && tc.Scheme.Equals("rtmp", StringComparison.OrdinalIgnoreCase)))
        {
            return "Invalid value for tcurl: expected rtmp://host[:port]/app";
        }

        if (arguments.GetInt64("tos") is not (>= 0 and <= PushStreamConfiguration.Unset))
        {
            return "Invalid value for tos: expected 0 to 255, or 256 for the system's default";
        }

        if (arguments.GetInt64("ttl") is not (>= 1 and <= PushStreamConfiguration.Unset))
        {
            return "Invalid value for ttl: expected 1 to 255, or 256 for the system's default";
        }

        return null;
    }
}
