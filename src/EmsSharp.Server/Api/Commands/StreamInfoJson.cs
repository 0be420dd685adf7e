using System.Text.Json.Nodes;
using EmsSharp.Media.Hub;
using EmsSharp.Server.Ingest;

namespace EmsSharp.Server.Api.Commands;

/// <summary>The JSON of one live stream for <c>listStreams</c>, <c>getStreamInfo</c> and <c>shutdownStream</c>.</summary>
internal static class StreamInfoJson
{
    public static JsonObject Create(LiveStream stream, PullStreamManager pulls, TimeProvider time)
    {
        var stats = stream.GetStats();
        var pull = pulls.FindByStreamName(stats.Name);
        var info = new JsonObject
        {
            ["uniqueId"] = stats.Id,
            ["name"] = stats.Name,
            ["type"] = pull is not null ? "pull" : "push",
            ["creationTimestamp"] = stats.CreatedAt.ToUnixTimeMilliseconds(),
            ["upTime"] = Math.Max(0, (long)(time.GetUtcNow() - stats.CreatedAt).TotalSeconds),
            ["bitrate"] = stats.BitsPerSecond,
            ["bytes"] = stats.Bytes,
            ["videoFrames"] = stats.VideoFrames,
            ["audioFrames"] = stats.AudioFrames,
            ["readers"] = stats.Readers,
            ["droppedFrames"] = stats.DroppedFrames,
        };
        if (pull is not null)
        {
            info["configId"] = pull.Configuration.ConfigId;
            info["uri"] = pull.Configuration.Uri;
        }

        if (stream.Video is { } video)
        {
            info["video"] = new JsonObject
            {
                ["codec"] = video.Codec.ToString().ToUpperInvariant(),
                ["width"] = video.Width,
                ["height"] = video.Height,
            };
        }

        if (stream.Audio is { } audio)
        {
            info["audio"] = new JsonObject
            {
                ["codec"] = audio.Codec.ToString().ToUpperInvariant(),
                ["sampleRate"] = audio.SampleRate,
                ["channels"] = audio.Channels,
            };
        }

        return info;
    }

    /// <summary>Finds the stream named by <c>id</c> or <c>localStreamName</c>; the FAIL reply when there is none.</summary>
    public static bool TryFind(CommandArguments arguments, StreamHub hub, out LiveStream stream, out ApiReply failure)
    {
        failure = null!;
        stream = null!;
        if (arguments.GetInt64("id") is { } id)
        {
            if (hub.TryGetStream(id, out var byId))
            {
                stream = byId;
                return true;
            }
        }
        else if (arguments.GetString("localStreamName") is { } name)
        {
            if (hub.TryGetStream(name, out var byName))
            {
                stream = byName;
                return true;
            }
        }
        else
        {
            failure = ApiReply.Fail("Missing parameter: give id or localstreamname");
            return false;
        }

        failure = ApiReply.Fail("No such stream; see listStreams");
        return false;
    }

    /// <summary>The <c>id</c>/<c>localStreamName</c> pair every per-stream command declares.</summary>
    public static IReadOnlyList<CommandParameter> SelectorParameters { get; } =
    [
        new("id", ParameterKind.Integer, false, null, "uniqueId of the stream (see listStreamsIds)"),
        new("localStreamName", ParameterKind.NonEmptyString, false, null, "name of the stream, when id is not given"),
    ];
}
