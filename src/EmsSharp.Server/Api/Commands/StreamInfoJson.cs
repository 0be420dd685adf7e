using System.Net;
using System.Text.Json.Nodes;
using EmsSharp.Media.Hub;
using EmsSharp.Server.Configs;
using EmsSharp.Server.Delivery;
using EmsSharp.Server.Ingest;

namespace EmsSharp.Server.Api.Commands;

/// <summary>
/// The JSON of one stream for <c>listStreams</c>, <c>getStreamInfo</c>, <c>shutdownStream</c> and the stream events, in
/// EvoStream's stream object schema (shared/EVOSTREAM-API.md §2): its type tag and <c>typeNumeric</c>, both tracks always
/// (<c>VUNK</c>/<c>AUNK</c> while unknown) with EvoStream's codec names and per-track counters, times in milliseconds, the
/// connection's addresses; for an inbound stream <c>outStreamsUniqueIds</c> and, for a pull, <c>pullSettings</c>; for an
/// output (<see cref="OutboundStream"/>) <c>inStreamUniqueId</c> and <c>canDropFrames</c>. Our own members (<c>bitrate</c>,
/// <c>bytes</c>, <c>videoFrames</c>, <c>audioFrames</c>, <c>readers</c>, <c>droppedFrames</c>, a pull's <c>configId</c>
/// and <c>uri</c>; an output's <c>packets</c> and its viewer's members) stay beside them. Members are written in byte
/// order, as EvoStream writes them.
/// </summary>
internal static class StreamInfoJson
{
    /// <summary>An inbound stream; <c>outStreamsUniqueIds</c> lists the outputs that read it (null when none).</summary>
    public static JsonObject Create(LiveStream stream, PullStreamManager pulls, OutboundStreamRegistry outputs, TimeProvider time)
    {
        var stats = stream.GetStats();
        var origin = stream.Origin;
        var pull = pulls.FindByStreamName(stats.Name);
        var info = Common(stats.Id, origin.TypeTag, stats.Name, origin.AppName, stats.CreatedAt, pull is not null ? OperationType.Pull : null,
            origin.Near, origin.Far, time, out var upTime);
        info["audio"] = Audio(stream.Audio, new TrackCounters(stats.AudioBytes, stats.AudioFrames, stats.AudioBitsPerSecond), upTime);
        info["audioFrames"] = stats.AudioFrames;
        info["bandwidth"] = stats.BitsPerSecond / 1024;
        info["bitrate"] = stats.BitsPerSecond;
        info["bytes"] = stats.Bytes;
        info["droppedFrames"] = stats.DroppedFrames;
        var readers = outputs.ReadersOf(stream);
        info["outStreamsUniqueIds"] = readers.Length == 0 ? null : new JsonArray([.. readers.Select(static id => (JsonNode)id)]);
        info["readers"] = stats.Readers;
        if (pull is not null)
        {
            info["configId"] = pull.Configuration.ConfigId;
            info["pullSettings"] = pull.Configuration.ToJson();
            info["uri"] = pull.Configuration.Uri;
        }

        var video = Video(stream.Video, new TrackCounters(stats.VideoBytes, stats.VideoFrames, stats.VideoBitsPerSecond), upTime);
        video["aveFrameRate"] = upTime > 0 ? stats.VideoFrames / (upTime / 1000) : 0.0;
        info["video"] = EvoStreamJson.Sorted(video);
        info["videoFrames"] = stats.VideoFrames;
        return EvoStreamJson.Sorted(info);
    }

    /// <summary>
    /// An output (a viewer): its source's tracks, <c>inStreamUniqueId</c>, and what it sent. An output that sends both
    /// tracks in each message (fMP4) counts only its totals (our <c>bytes</c> and <c>packets</c>); its per-track counters
    /// stay 0. <paramref name="final"/>'s members (a closing viewer's last figures) are added.
    /// </summary>
    public static JsonObject Create(OutboundStream output, TimeProvider time, JsonObject? final = null)
    {
        var source = output.Source;
        var (near, far) = output.Addresses;
        var info = Common(output.Id, output.TypeTag, source.Name, source.Origin.AppName, output.CreatedAt, output.ConnectionType, near, far,
            time, out var upTime);
        var counters = output.Counters;
        var bytes = counters.Bytes;
        var perTrack = output.TypeTag != OutboundStream.Fmp4Tag;
        var rate = perTrack ? output.CurrentBitsPerSecond(time.GetUtcNow()) : default;
        var audio = perTrack ? new TrackCounters(counters.AudioBytes, counters.AudioPackets, rate.Audio) : default;
        var video = perTrack ? new TrackCounters(bytes - counters.AudioBytes, counters.Packets - counters.AudioPackets, rate.Video) : default;
        info["audio"] = Audio(source.Audio, audio, upTime);
        info["bandwidth"] = upTime > 0 ? (long)(bytes * 8 / (upTime / 1000) / 1024) : 0;
        info["bytes"] = bytes;
        info["canDropFrames"] = true;
        info["droppedFrames"] = counters.DroppedFrames;
        info["inStreamUniqueId"] = source.Id;
        info["packets"] = counters.Packets;
        info["video"] = EvoStreamJson.Sorted(Video(source.Video, video, upTime));
        foreach (var (key, value) in output.CreateExtra())
        {
            info[key] = value?.DeepClone();
        }

        if (final is not null)
        {
            foreach (var (key, value) in final)
            {
                info[key] = value?.DeepClone();
            }
        }

        return EvoStreamJson.Sorted(info);
    }

    // The members every stream object has (RMS BaseStream::GetStats), in and out alike.
    private static JsonObject Common(long id, string typeTag, string name, string? appName, DateTimeOffset createdAt,
        OperationType? connectionType, IPEndPoint? near, IPEndPoint? far, TimeProvider time, out double upTime)
    {
        // Milliseconds since the epoch with their fraction, and upTime = queryTimestamp - creationTimestamp (in ms, §2).
        var created = (createdAt - DateTimeOffset.UnixEpoch).TotalMilliseconds;
        var queried = (time.GetUtcNow() - DateTimeOffset.UnixEpoch).TotalMilliseconds;
        upTime = Math.Max(0, queried - created);
        return new JsonObject
        {
            ["appName"] = appName ?? "",
            ["connectionType"] = connectionType is { } operation ? (int)operation : 0,
            ["creationTimestamp"] = created,
            ["edgePid"] = 0,
            ["farIp"] = Ip(far),
            ["farPort"] = far?.Port ?? 0,
            ["ip"] = Ip(far),
            ["name"] = name,
            ["nearIp"] = Ip(near),
            ["nearPort"] = near?.Port ?? 0,
            ["port"] = far?.Port ?? 0,
            ["processId"] = Environment.ProcessId,
            ["processType"] = "origin",
            ["queryTimestamp"] = queried,
            ["type"] = typeTag,
            ["typeNumeric"] = StreamOrigin.TagNumber(typeTag),
            ["uniqueId"] = id,
            ["upTime"] = upTime,
        };
    }

    /// <summary>An end point's address as EvoStream writes it: a dual-stack socket's IPv4 peer (::ffff:a.b.c.d) as the dotted quad, "" when none.</summary>
    public static string Ip(IPEndPoint? endPoint) => endPoint?.Address switch
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

    private static JsonObject Video(VideoTrackConfig? video, TrackCounters counters, double upTimeMs)
    {
        var codec = CodecName(video?.Codec, TrackKind.Video);
        var seconds = upTimeMs / 1000;
        // AVCDecoderConfigurationRecord (ISO/IEC 14496-15 §5.2.4.1): byte 1 is the profile, byte 3 the level.
        var avcc = video is { Codec: MediaCodec.H264 } && video.DecoderConfiguration.Length >= 4
            ? video.DecoderConfiguration.Span
            : default;
        return new JsonObject
        {
            ["aveVideoBitRate"] = seconds > 0 ? counters.Bytes * 8 / seconds : 0.0,
            ["bytesCount"] = counters.Bytes,
            ["codec"] = codec,
            ["codecNumeric"] = StreamOrigin.TagNumber(codec),
            ["currVideoBitRate"] = (double)counters.BitsPerSecond,
            ["droppedBytesCount"] = 0,
            ["droppedPacketsCount"] = 0,
            ["height"] = video?.Height ?? 0,
            ["level"] = avcc.IsEmpty ? 0 : avcc[3],
            ["packetsCount"] = counters.Packets,
            ["profile"] = avcc.IsEmpty ? 0 : avcc[1],
            ["width"] = video?.Width ?? 0,
        };
    }

    private static JsonObject Audio(AudioTrackConfig? audio, TrackCounters counters, double upTimeMs)
    {
        var codec = CodecName(audio?.Codec, TrackKind.Audio);
        var seconds = upTimeMs / 1000;
        var json = new JsonObject
        {
            ["aveAudioBitRate"] = seconds > 0 ? counters.Bytes * 8 / seconds : 0.0,
            ["bytesCount"] = counters.Bytes,
        };
        if (audio is not null)
        {
            json["channels"] = audio.Channels;
        }

        json["codec"] = codec;
        json["codecNumeric"] = StreamOrigin.TagNumber(codec);
        json["currAudioBitRate"] = (double)counters.BitsPerSecond;
        json["droppedBytesCount"] = 0;
        json["droppedPacketsCount"] = 0;
        json["packetsCount"] = counters.Packets;
        if (audio is not null)
        {
            json["sampleRate"] = audio.SampleRate;
        }

        return json;
    }

    // One track's counters: bytes, packets (frames for an inbound stream) and the current bit rate (0 when not measured).
    private readonly record struct TrackCounters(long Bytes, long Packets, long BitsPerSecond);
}
