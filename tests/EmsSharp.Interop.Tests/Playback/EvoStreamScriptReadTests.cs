using System.Text.Json;
using EmsSharp.Interop.Tests.Ingest;
using EmsSharp.Media.Hub;
using Microsoft.Extensions.DependencyInjection;

namespace EmsSharp.Interop.Tests.Playback;

/// <summary>
/// Issue 14's script-level check: a pull (ffmpeg as the RTMP source), a WebRTC viewer that plays through a stream alias,
/// and the replies read field by field the way EvoStream's web UI and the PHP/Python clients index them
/// (shared/EVOSTREAM-API.md §7). A member they index that is missing or of another JSON type fails here.
/// </summary>
public sealed class EvoStreamScriptReadTests
{
    [Fact]
    public async Task A_pull_an_alias_and_a_webrtc_viewer_read_as_evostreams_web_ui_and_clients_read_them()
    {
        var port = FreePort.Get();
        var source = $"rtmp://127.0.0.1:{port}/live/cam";
        using var ffmpeg = FfmpegProcess.Start(RtspTestMedia.Arguments(120, "aac", "-f", "flv", "-listen", "1", source));
        await using var rig = await PlaybackRig.StartAsync();
        await rig.StartWebrtcAsync();

        // What the PHP and Python clients read of every reply: status, description, data.
        var pull = Ok(await rig.CommandAsync($"pullStream?uri={Uri.EscapeDataString(source)}&localStreamName=cam"));
        Assert.Equal("cam", pull.GetProperty("localStreamName").GetString());
        Assert.Equal(JsonValueKind.Object, pull.GetProperty("uri").ValueKind);
        Assert.Equal("rtmp", pull.GetProperty("uri").GetProperty("scheme").GetString());
        Assert.True(await rig.Ems.Services.GetRequiredService<StreamHub>().WaitForStreamAsync("cam", TimeSpan.FromSeconds(20)) is not null,
            "the pull never published; ffmpeg said: " + ffmpeg.Stderr);
        Ok(await rig.CommandAsync("addStreamAlias?localStreamName=test&aliasName=tv&expirePeriod=0"));

        // A WebRTC viewer (native media) of the alias: the alias plays wherever a name is accepted.
        var page = await rig.OpenPlayerAsync("tv", "srtp");
        await PlaybackRig.WaitForStatsAsync(page, s => s.GetProperty("framesDecoded").GetInt32() > 0, TimeSpan.FromSeconds(30), rig);

        // The web UI's listStreams: type.charAt(0) sorts I and O; uniqueId, name, farIp, audio.codec, video.codec on each;
        // a pull's pullSettings.uri is a string.
        var streams = Streams(Ok(await rig.CommandAsync("listStreams")));
        foreach (var stream in streams)
        {
            Assert.Contains(stream.GetProperty("type").GetString()![0], "IO");
            Assert.True(stream.GetProperty("uniqueId").GetInt64() > 0);
            Assert.Equal(JsonValueKind.String, stream.GetProperty("name").ValueKind);
            Assert.Equal(JsonValueKind.String, stream.GetProperty("farIp").ValueKind);
            Assert.Equal(JsonValueKind.String, stream.GetProperty("audio").GetProperty("codec").ValueKind);
            Assert.Equal(JsonValueKind.String, stream.GetProperty("video").GetProperty("codec").ValueKind);
        }

        var pulled = streams.Single(s => s.GetProperty("name").GetString() == "cam");
        Assert.Equal('I', pulled.GetProperty("type").GetString()![0]);
        Assert.Equal(source, pulled.GetProperty("pullSettings").GetProperty("uri").GetString());
        var test = streams.Single(s => s.GetProperty("name").GetString() == "test" && s.GetProperty("type").GetString()![0] == 'I');
        Assert.Equal("VH264", test.GetProperty("video").GetProperty("codec").GetString());
        var viewer = streams.Single(s => s.GetProperty("type").GetString() == "ONP");
        Assert.Equal(test.GetProperty("uniqueId").GetInt64(), viewer.GetProperty("inStreamUniqueId").GetInt64());
        Assert.Contains(viewer.GetProperty("uniqueId").GetInt64(),
            Ok(await rig.CommandAsync($"getStreamInfo?id={test.GetProperty("uniqueId").GetInt64()}"))
                .GetProperty("outStreamsUniqueIds").EnumerateArray().Select(e => e.GetInt64()));

        // The dashboard's counts, the version, and the alias list (an array: the web UI reads its length).
        Assert.Equal(streams.Count, Ok(await rig.CommandAsync("getStreamsCount")).GetProperty("streamCount").GetInt32());
        Assert.Equal(streams.Count(s => s.GetProperty("type").GetString()![0] == 'I'),
            Ok(await rig.CommandAsync("getInboundStreamsCount")).GetProperty("inboundStreamsCount").GetInt32());
        Assert.Equal(JsonValueKind.String, Ok(await rig.CommandAsync("version")).GetProperty("releaseNumber").ValueKind);
        var alias = Assert.Single(Ok(await rig.CommandAsync("listStreamAliases")).EnumerateArray());
        Assert.Equal(("tv", "test"), (alias.GetProperty("aliasName").GetString(), alias.GetProperty("localStreamName").GetString()));

        // The web UI's listConfig: every one of the ten keys an array; a pull's configId, localStreamName and uri; the
        // WebRTC service's ersip, ersport and roomid; a pull's status in EvoStream's codes.
        var config = Ok(await rig.CommandAsync("listConfig"));
        Assert.Equal(10, config.EnumerateObject().Count(p => p.Value.ValueKind == JsonValueKind.Array));
        var pullEntry = Assert.Single(config.GetProperty("pull").EnumerateArray());
        Assert.Equal(pull.GetProperty("configId").GetInt64(), pullEntry.GetProperty("configId").GetInt64());
        Assert.Equal(("cam", source), (pullEntry.GetProperty("localStreamName").GetString(), pullEntry.GetProperty("uri").GetString()));
        Assert.Equal(0, pullEntry.GetProperty("status").GetProperty("current").GetProperty("code").GetInt32()); // Streaming
        var webrtc = Assert.Single(config.GetProperty("webrtc").EnumerateArray());
        Assert.Equal(("127.0.0.1", rig.Ers.Port, PlaybackRig.Room),
            (webrtc.GetProperty("ersip").GetString(), webrtc.GetProperty("ersport").GetInt32(), webrtc.GetProperty("roomid").GetString()));
        var status = Ok(await rig.CommandAsync($"getConfigInfo?id={rig.ConfigId}")).GetProperty("status").GetProperty("current");
        Assert.Equal(3, status.GetProperty("code").GetInt32()); // Connected: in its room
    }

    private static JsonElement Ok(JsonElement reply)
    {
        Assert.True(reply.GetProperty("status").GetString() == "SUCCESS", reply.GetProperty("description").GetString());
        return reply.GetProperty("data");
    }

    private static List<JsonElement> Streams(JsonElement data) => data.ValueKind == JsonValueKind.Array ? [.. data.EnumerateArray()] : [];
}
