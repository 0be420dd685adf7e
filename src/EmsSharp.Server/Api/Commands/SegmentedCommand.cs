using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using EmsSharp.Server.Delivery.Hls;

namespace EmsSharp.Server.Api.Commands;

/// <summary>What a valid createHLSStream or createDASHStream asks for in common.</summary>
internal sealed record SegmentedRequest(
    string[] Streams, long[] Bandwidths, string Folder, string GroupName, bool Rolling, int PlaylistLength, int ChunkLength,
    bool KeepAlive, bool Overwrite, int StaleRetentionCount, bool Cleanup);

/// <summary>
/// The parameters, checks and reply that <c>createHLSStream</c> and <c>createDASHStream</c> share (shared/EVOSTREAM-API.md
/// §4): the streams, the folder (inside the media folder, writable: checked before anything is created), the group, the
/// playlist window and the segment length.
/// </summary>
internal static class SegmentedCommand
{
    /// <summary>The shared parameters; <paramref name="manifest"/> names the format's playlist or manifest in the help.</summary>
    public static IReadOnlyList<CommandParameter> CommonParameters(string defaultGroup, string manifest) =>
    [
        new("localStreamNames", ParameterKind.NonEmptyString, true, null, "comma-separated local streams"),
        new("targetFolder", ParameterKind.NonEmptyString, true, null, "folder of the files: relative to Hls:MediaFolder, or absolute under it or Hls:AllowedFolders"),
        new("bandwidths", ParameterKind.String, false, "", $"comma-separated bits/s per stream for the {manifest}; default the measured peak"),
        new("groupName", ParameterKind.String, false, "", $"the group of the outputs (removeConfig groupName=...); default {defaultGroup}"),
        new("playlistType", ParameterKind.NonEmptyString, false, "appending", "appending (every segment stays) or rolling (the last playlistLength)"),
        new("playlistLength", ParameterKind.Integer, false, "10", $"segments in a rolling {manifest} and in memory for HTTP, 1-1000"),
        new("chunkLength", ParameterKind.Integer, false, "10", "shortest segment, seconds (1-3600); a segment ends at the first keyframe after it"),
        new("chunkOnIDR", ParameterKind.Boolean, false, "true", "segments start at keyframes (only 1 is supported)"),
        new("keepAlive", ParameterKind.Boolean, false, "true", "wait for the streams, go on after they restart, and persist the configuration"),
        new("overwriteDestination", ParameterKind.Boolean, false, "true", $"0: FAIL when a stream's {manifest} already exists"),
        new("staleRetentionCount", ParameterKind.Integer, false, null, "rolling: segments kept on disk after they left the playlist; default playlistLength"),
        new("cleanupDestination", ParameterKind.Boolean, false, "false", "delete the stream's old files at start"),
    ];

    /// <summary>
    /// Why the shared arguments cannot make outputs (EvoStream's "Invalid value for ..." wording), or null.
    /// <paramref name="manifestPath"/> (of the folder and a stream) is the file that overwriteDestination=0 must not find.
    /// </summary>
    public static string? Validate(CommandArguments arguments, HlsOptions options, string groupPrefix, Func<string, string, string> manifestPath,
        out SegmentedRequest request)
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

        var groupName = arguments.GetString("groupName") is { Length: > 0 } g ? g : groupPrefix + RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyz0123456789", 4);
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

        if (!arguments.GetBoolean("chunkOnIDR")!.Value)
        {
            return "Invalid value for chunkonidr: only 1 is supported (every segment starts at a keyframe)";
        }

        if (!arguments.GetBoolean("overwriteDestination")!.Value &&
            streams.Select(s => manifestPath(folder, s)).FirstOrDefault(File.Exists) is { } existing)
        {
            return $"Invalid value for targetfolder: {existing} exists and overwriteDestination is 0";
        }

        if (!HlsValidation.IsWritable(folder, out var writeError))
        {
            return $"Invalid value for targetfolder: cannot write to {folder}: {writeError}";
        }

        request = new SegmentedRequest(streams, bandwidths, folder, groupName, type == "rolling", (int)playlistLength, (int)chunkLength,
            arguments.GetBoolean("keepAlive")!.Value, arguments.GetBoolean("overwriteDestination")!.Value, (int)stale,
            arguments.GetBoolean("cleanupDestination")!.Value);
        return null;
    }

    /// <summary>
    /// EvoStream's reply: the first output's configuration without its per-stream members, with the group's folder and the
    /// <c>configIds</c>, <c>localStreamNames</c> and <c>bandwidths</c> arrays and <c>publishingPoint</c>.
    /// </summary>
    public static JsonObject Reply(JsonObject first, SegmentedRequest request, IEnumerable<SegmentedOutput> created)
    {
        foreach (var member in (ReadOnlySpan<string>)["configId", "localStreamName", "bandwidth", "operationType", "timestamp"])
        {
            first.Remove(member);
        }

        first["targetFolder"] = request.Folder;
        first["configIds"] = new JsonArray([.. created.Select(static o => JsonValue.Create(o.ConfigId))]);
        first["localStreamNames"] = new JsonArray([.. request.Streams.Select(static s => JsonValue.Create(s))]);
        first["bandwidths"] = new JsonArray([.. request.Bandwidths.Select(static b => JsonValue.Create(b))]);
        first["publishingPoint"] = "";
        return first;
    }
}
