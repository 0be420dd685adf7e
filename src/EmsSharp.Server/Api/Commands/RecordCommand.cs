using System.Globalization;
using System.Text.Json.Nodes;
using EmsSharp.Media.Hub;
using EmsSharp.Server.Recording;
using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Api.Commands;

/// <summary>
/// <c>record</c>: records a local live stream into mp4 (fragmented), ts or flv files, as a configuration (operationType 7;
/// shared/EVOSTREAM-API.md §4). Where the files go: <see cref="RecordPath"/>. With keepAlive (the default) it waits for the
/// stream and goes on in a new file each time the stream comes back; without, it records one live period of a stream that
/// must be live now.
/// </summary>
internal sealed class RecordCommand(RecordManager records, StreamHub hub, IOptions<RecordOptions> options, TimeProvider time) : IApiCommand
{
    public string Name => "record";

    public bool ChangesState => true;

    public string Description => "Records a local stream into mp4 (fragmented), ts or flv files, in chunks of chunkLength seconds when set";

    public IReadOnlyList<CommandParameter> Parameters { get; } =
    [
        new("localStreamName", ParameterKind.NonEmptyString, true, null, "the local stream to record"),
        new("pathToFile", ParameterKind.NonEmptyString, true, null,
            "the file: relative paths go into the media folder (Record:MediaFolder) and may not leave it; '..' is refused"),
        new("type", ParameterKind.NonEmptyString, false, null, "mp4, ts or flv; default: pathToFile's extension, else mp4"),
        new("overwrite", ParameterKind.Boolean, false, "false", "replace existing files instead of failing (or, later, taking the next free name)"),
        new("keepAlive", ParameterKind.Boolean, false, "true", "wait for the stream, record again in a new file whenever it comes back, and persist the configuration"),
        new("chunkLength", ParameterKind.Integer, false, "0", "seconds per file, cut at the next keyframe (0: one file); files are <base>_<n>.<ext>"),
        new("waitForIDR", ParameterKind.Boolean, false, "false", "start at the next keyframe instead of the GOP cache's (the recent past)"),
        new("winQtCompat", ParameterKind.Boolean, false, "true", "accepted for EvoStream compatibility (the mp4 files always play in QuickTime and Windows)"),
        new("dateFolderStructure", ParameterKind.Boolean, false, "false", "put each file into yyyy/MM/dd (UTC) folders under pathToFile's folder"),
    ];

    public ValueTask<ApiReply> ExecuteAsync(CommandArguments arguments, CommandSession session, CancellationToken cancellationToken)
    {
        var localStreamName = arguments.GetString("localStreamName")!;
        var pathToFile = arguments.GetString("pathToFile")!;
        if (Validate(arguments, options.Value.MediaFolder, out var type, out var computed) is { } invalid)
        {
            return ValueTask.FromResult(ApiReply.Fail(invalid));
        }

        var keepAlive = arguments.GetBoolean("keepAlive")!.Value;
        hub.TryGetStream(localStreamName, out var live);
        if (!keepAlive && live is null)
        {
            return ValueTask.FromResult(ApiReply.Fail($"Stream {localStreamName} not found"));
        }

        var overwrite = arguments.GetBoolean("overwrite")!.Value;
        var chunkLength = (int)arguments.GetInt64("chunkLength")!.Value;
        var dateFolders = arguments.GetBoolean("dateFolderStructure")!.Value;
        var first = RecordPath.FileName(computed, chunkLength > 0 ? 1 : 0, dateFolders, time.GetUtcNow());
        if (RecordPath.CheckWritable(Path.GetDirectoryName(first)!) is { } unwritable)
        {
            return ValueTask.FromResult(ApiReply.Fail(unwritable));
        }

        if (!overwrite && File.Exists(first))
        {
            return ValueTask.FromResult(ApiReply.Fail($"File {first} already exists; overwrite=1 replaces it"));
        }

        var variables = new JsonObject();
        foreach (var (key, value) in arguments.UserVariables)
        {
            variables[key] = value;
        }

        var recorder = records.TryStart(id => new RecordConfiguration(
            id, localStreamName, pathToFile, computed, type, overwrite, keepAlive, chunkLength,
            arguments.GetBoolean("waitForIDR")!.Value,
            arguments.GetBoolean("winQtCompat")!.Value,
            dateFolders,
            live?.Audio is not null,
            variables), out var existing);
        if (recorder is null)
        {
            return ValueTask.FromResult(ApiReply.Fail(string.Create(CultureInfo.InvariantCulture,
                $"{computed} is already recorded by configId {existing}; removeConfig id={existing} first")));
        }

        return ValueTask.FromResult(ApiReply.Ok("Recording Stream", recorder.Configuration.ToJson()));
    }

    /// <summary>Why the arguments cannot make a recording, or null with the type and the full path of the base file.</summary>
    internal static string? Validate(CommandArguments arguments, string mediaFolder, out string type, out string computed)
    {
        computed = "";
        var localStreamName = arguments.GetString("localStreamName");
        var pathToFile = arguments.GetString("pathToFile")!;
        type = arguments.GetString("type")?.ToLowerInvariant() ?? RecordPath.TypeOf(pathToFile) ?? RecordType.Mp4;
        if (!StreamName.IsValid(localStreamName, out var reason))
        {
            return $"Invalid value for localstreamname: {reason}";
        }

        if (!RecordType.IsKnown(type))
        {
            return $"Invalid value for type: {type} (expected mp4, ts or flv)";
        }

        if (arguments.GetInt64("chunkLength") is not (>= 0 and <= RecordConfiguration.MaxChunkLength))
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"Invalid value for chunklength: expected 0 (one file) to {RecordConfiguration.MaxChunkLength} seconds");
        }

        if (arguments.UserVariables.Count > 64 || arguments.UserVariables.Any(static v => v.Key.Length > 256 || v.Value.Length > 1024))
        {
            return "Too many or too long user variables (at most 64, names up to 256 and values up to 1024 characters)";
        }

        return RecordPath.TryResolve(pathToFile, type, localStreamName!, mediaFolder, out computed, out var error) ? null : error;
    }
}
