using System.Net;
using System.Text.Json.Nodes;
using EmsSharp.Media.Hub;
using EmsSharp.Server.Configs;
using EmsSharp.Server.Ingest;

namespace EmsSharp.Server.Api.Commands;

/// <summary>
/// The JSON of one live stream for <c>listStreams</c>, <c>getStreamInfo</c>, <c>shutdownStream</c> and the stream events, in
/// EvoStream's stream object schema (shared/EVOSTREAM-API.md §2): its type tag and <c>typeNumeric</c>, both tracks always
/// (<c>VUNK</c>/<c>AUNK</c> while unknown) with EvoStream's codec names and per-track counters, times in milliseconds, the
/// connection's addresses and, for a pull, <c>pullSettings</c>. Our own members (<c>bitrate</c>, <c>bytes</c>,
/// <c>videoFrames</c>, <c>audioFrames</c>, <c>readers</c>, <c>droppedFrames</c>, and a pull's <c>configId</c> and
/// <c>uri</c>) stay beside them. Members are written in alphabetical order, as EvoStream writes them.
/// </summary>
internal static class StreamInfoJson
{
    public static JsonObject Create(LiveStream stream, PullStreamManager pulls, TimeProvider time)
    {
        var stats = stream.GetStats();
        var origin = stream.Origin;
        var pull = pulls.FindByStreamName(stats.Name);
        // Milliseconds since the epoch with their fraction, and upTime = queryTimestamp - creationTimestamp (in ms, §2).
        var created = (stats.CreatedAt - DateTimeOffset.UnixEpoch).TotalMilliseconds;
        var queried = (time.GetUtcNow() - DateTimeOffset.UnixEpoch).TotalMilliseconds;
        var upTime = Math.Max(0, queried - created);
        var info = new JsonObject
        {
            ["appName"] = origin.AppName ?? "",
            ["audio"] = Audio(stream.Audio, stats, upTime),
            ["audioFrames"] = stats.AudioFrames,
            ["bandwidth"] = stats.BitsPerSecond / 1024,
            ["bitrate"] = stats.BitsPerSecond,
            ["bytes"] = stats.Bytes,
        };
        if (pull is not null)
        {
            info["configId"] = pull.Configuration.ConfigId;
        }

        info["connectionType"] = pull is not null ? (int)OperationType.Pull : 0;
        info["creationTimestamp"] = created;
        info["droppedFrames"] = stats.DroppedFrames;
        info["edgePid"] = 0;
        info["farIp"] = Ip(origin.Far);
        info["farPort"] = origin.Far?.Port ?? 0;
        info["ip"] = Ip(origin.Far);
        info["name"] = stats.Name;
        info["nearIp"] = Ip(origin.Near);
        info["nearPort"] = origin.Near?.Port ?? 0;
        info["outStreamsUniqueIds"] = null;
        info["port"] = origin.Far?.Port ?? 0;
        info["processId"] = Environment.ProcessId;
        info["processType"] = "origin";
        if (pull is not null)
        {
            info["pullSettings"] = pull.Configuration.ToJson();
        }

        info["queryTimestamp"] = queried;
        info["readers"] = stats.Readers;
        info["type"] = origin.TypeTag;
        info["typeNumeric"] = StreamOrigin.TagNumber(origin.TypeTag);
        info["uniqueId"] = stats.Id;
        info["upTime"] = upTime;
        if (pull is not null)
        {
            info["uri"] = pull.Configuration.Uri;
        }

        info["video"] = Video(stream.Video, stats, upTime);
        info["videoFrames"] = stats.VideoFrames;
        return info;
    }

    // A dual-stack socket reports an IPv4 peer as ::ffff:a.b.c.d; EvoStream's clients expect the dotted quad.
    private static string Ip(IPEndPoint? endPoint) => endPoint?.Address switch
    {
        null => "",
        { IsIPv4MappedToIPv6: true } mapped => mapped.MapToIPv4().ToString(),
        var address => address.ToString(),
    };

    /// <summary>EvoStream's codec name for a track: <c>VH264</c>, <c>AAAC</c>, ...; <c>VUNK</c>/<c>AUNK</c> when unknown.</summary>
    public static string CodecName(MediaCodec? codec, TrackKind kind) => codec switch
    {
        MediaCodec.H264 => "VH264",
        MediaCodec.Aac => "AAAC",
        MediaCodec.Opus => "AOPUS",
        MediaCodec.Pcmu => "AG711U",
        MediaCodec.Pcma => "AG711A",
        _ => kind == TrackKind.Video ? "VUNK" : "AUNK",
    };

    private static JsonObject Video(VideoTrackConfig? video, LiveStreamStats stats, double upTimeMs)
    {
        var codec = CodecName(video?.Codec, TrackKind.Video);
        var seconds = upTimeMs / 1000;
        // AVCDecoderConfigurationRecord (ISO/IEC 14496-15 §5.2.4.1): byte 1 is the profile, byte 3 the level.
        var avcc = video is { Codec: MediaCodec.H264 } && video.DecoderConfiguration.Length >= 4
            ? video.DecoderConfiguration.Span
            : default;
        return new JsonObject
        {
            ["aveFrameRate"] = seconds > 0 ? stats.VideoFrames / seconds : 0.0,
            ["aveVideoBitRate"] = seconds > 0 ? stats.VideoBytes * 8 / seconds : 0.0,
            ["bytesCount"] = stats.VideoBytes,
            ["codec"] = codec,
            ["codecNumeric"] = StreamOrigin.TagNumber(codec),
            ["currVideoBitRate"] = (double)stats.VideoBitsPerSecond,
            ["droppedBytesCount"] = 0,
            ["droppedPacketsCount"] = 0,
            ["height"] = video?.Height ?? 0,
            ["level"] = avcc.IsEmpty ? 0 : avcc[3],
            ["packetsCount"] = stats.VideoFrames,
            ["profile"] = avcc.IsEmpty ? 0 : avcc[1],
            ["width"] = video?.Width ?? 0,
        };
    }

    private static JsonObject Audio(AudioTrackConfig? audio, LiveStreamStats stats, double upTimeMs)
    {
        var codec = CodecName(audio?.Codec, TrackKind.Audio);
        var seconds = upTimeMs / 1000;
        var json = new JsonObject
        {
            ["aveAudioBitRate"] = seconds > 0 ? stats.AudioBytes * 8 / seconds : 0.0,
            ["bytesCount"] = stats.AudioBytes,
        };
        if (audio is not null)
        {
            json["channels"] = audio.Channels;
        }

        json["codec"] = codec;
        json["codecNumeric"] = StreamOrigin.TagNumber(codec);
        json["currAudioBitRate"] = (double)stats.AudioBitsPerSecond;
        json["droppedBytesCount"] = 0;
        json["droppedPacketsCount"] = 0;
        json["packetsCount"] = stats.AudioFrames;
        if (audio is not null)
        {
            json["sampleRate"] = audio.SampleRate;
        }

        return json;
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
