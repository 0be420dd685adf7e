using EmsSharp.Media.Hub;
using EmsSharp.Server.Delivery;
using EmsSharp.Server.Ingest;
using Microsoft.Extensions.DependencyInjection;

namespace EmsSharp.Server.Tests.Ingest;

/// <summary>pushStream's validation, its EvoStream reply, persistence, removal, and one-shot failures that leave nothing behind.</summary>
public sealed class PushStreamCommandTests : IDisposable
{
    private readonly string _folder = TestEms.NewDataFolder();

    public void Dispose() => TestEms.DeleteFolder(_folder);

    [Theory]
    [InlineData("pushStream", "Missing mandatory parameter: uri")]
    [InlineData("pushStream uri=rtmp://127.0.0.1/live", "Missing mandatory parameter: localstreamname")]
    [InlineData("pushStream uri=http://127.0.0.1/live localStreamName=cam", "Invalid URI: scheme http")]
    [InlineData("pushStream uri=rtmp://127.0.0.1 localStreamName=cam", "names no application")]
    [InlineData("pushStream uri=rtsp:// localStreamName=cam", "Invalid URI")]
    [InlineData("pushStream uri=notauri localStreamName=cam", "Invalid URI")]
    [InlineData("pushStream uri=rtmp://127.0.0.1/live localStreamName=cam targetStreamType=broadcast", "targetstreamtype")]
    [InlineData("pushStream uri=rtmp://127.0.0.1/live localStreamName=cam tos=300", "tos")]
    [InlineData("pushStream uri=rtmp://127.0.0.1/live localStreamName=cam ttl=0", "ttl")]
    [InlineData("pushStream uri=rtmp://127.0.0.1/live localStreamName=cam tcUrl=http://x/y", "tcurl")]
    [InlineData("pushStream uri=rtmp://127.0.0.1/live localStreamName=cam keepAlive=maybe", "keepalive")]
    [InlineData("pushStream uri=rtmp://127.0.0.1/live localStreamName=cam\\ x", "localstreamname")]
    [InlineData("pushStream uri=rtmp://127.0.0.1/live localStreamName=nothere keepAlive=0", "Stream nothere not found")]
    public async Task Bad_input_fails_with_a_clear_reason_and_creates_nothing(string line, string reason)
    {
        await using var ems = await TestEms.StartAsync(_folder);
        await using var cli = await ems.ConnectJsonAsync();
        var reply = await cli.JsonAsync(line);
        Assert.Equal("FAIL", reply.Status());
        Assert.Contains(reason, reply.Description(), StringComparison.Ordinal);
        Assert.Equal(0, (await cli.JsonAsync("listConfig")).Data().GetProperty("push").GetArrayLength());
    }

    [Fact]
    public async Task A_one_shot_push_to_an_unreachable_or_refusing_target_fails_and_leaves_nothing_behind()
    {
        await using var ems = await TestEms.StartAsync(_folder);
        await using var cli = await ems.ConnectJsonAsync();
        Assert.True(ems.Host.Services.GetRequiredService<StreamHub>().TryPublish("cam", out _));

        // Nothing listens on port 9 (discard).
        var unreachable = await cli.JsonAsync("pushStream uri=rtmp://127.0.0.1:9/live localStreamName=cam keepAlive=0");
        Assert.Equal("FAIL", unreachable.Status());
        Assert.StartsWith("Unable to push requested stream: cannot reach 127.0.0.1:9", unreachable.Description(), StringComparison.Ordinal);

        // Our own RTMP listener refuses a second publisher of a live name: NetStream.Publish.BadName (§7.2.2.6).
        var port = ems.Host.Services.GetRequiredService<RtmpServer>().LocalEndPoint!.Port;
        var refused = await cli.JsonAsync($"pushStream uri=rtmp://127.0.0.1:{port}/live localStreamName=cam keepAlive=0");
        Assert.Equal("FAIL", refused.Status());
        Assert.Contains("NetStream.Publish.BadName", refused.Description(), StringComparison.Ordinal);

        // Over RTSP: nothing listens on port 9, and our own RTSP listener refuses an ANNOUNCE of a live name (the SDP
        // needs the stream's tracks).
        Assert.True(ems.Host.Services.GetRequiredService<StreamHub>().TryGetStream("cam", out var cam));
        cam.SetVideoTrack(new VideoTrackConfig(MediaCodec.H264, RtmpPushClientTests.AvcC, 640, 360));
        var rtspUnreachable = await cli.JsonAsync("pushStream uri=rtsp://127.0.0.1:9 localStreamName=cam keepAlive=0");
        Assert.StartsWith("Unable to push requested stream: cannot reach 127.0.0.1:9", rtspUnreachable.Description(), StringComparison.Ordinal);
        var rtsp = ems.Host.Services.GetRequiredService<RtspServer>().LocalEndPoint!.Port;
        var rtspRefused = await cli.JsonAsync($"pushStream uri=rtsp://127.0.0.1:{rtsp} localStreamName=cam keepAlive=0");
        Assert.Equal("FAIL", rtspRefused.Status());
        Assert.StartsWith("Unable to push requested stream: ANNOUNCE answered 4", rtspRefused.Description(), StringComparison.Ordinal);

        Assert.Equal(0, (await cli.JsonAsync("listConfig")).Data().GetProperty("push").GetArrayLength());
        Assert.Equal(0, ems.Host.Services.GetRequiredService<OutboundStreamRegistry>().Count);
        Assert.DoesNotContain("pushSettings", (await cli.JsonAsync("listConnections")).GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_kept_alive_push_replies_as_evostream_is_saved_restored_and_removed()
    {
        long id;
        await using (var first = await TestEms.StartAsync(_folder))
        {
            await using var cli = await first.ConnectJsonAsync();
            var reply = await cli.JsonAsync("pushStream uri=rtmp://127.0.0.1:9/live localStreamName=cam targetStreamType=append tos=16");
            Assert.Equal("SUCCESS", reply.Status());
            Assert.Equal("Local stream cam enqueued for pushing to rtmp://127.0.0.1:9/live as cam", reply.Description());
            var data = reply.Data();
            id = data.GetProperty("configId").GetInt64();
            string[] members =
            [
                "configId", "emulateUserAgent", "forceTcp", "httpProxy", "keepAlive", "localStreamName", "operationType", "pageUrl",
                "rtmpAbsoluteTimestamps", "sendChunkSizeRequest", "swfUrl", "targetStreamName", "targetStreamType", "targetUri", "tcUrl",
                "tos", "ttl", "useSourcePts",
            ];
            Assert.Equal(members, data.EnumerateObject().Select(p => p.Name));
            Assert.Equal(2, data.GetProperty("operationType").GetInt32());
            Assert.Equal("EvoStream Media Server (www.evostream.com)", data.GetProperty("emulateUserAgent").GetString());
            Assert.True(data.GetProperty("sendChunkSizeRequest").GetBoolean());
            Assert.Equal(("append", 16, 256), (data.GetProperty("targetStreamType").GetString(), data.GetProperty("tos").GetInt32(),
                data.GetProperty("ttl").GetInt32()));
            Assert.Equal("rtmp", data.GetProperty("targetUri").GetProperty("scheme").GetString());

            // The same push twice is refused; to another name it is another push.
            Assert.Equal("FAIL", (await cli.JsonAsync("pushStream uri=rtmp://127.0.0.1:9/live localStreamName=cam")).Status());

            // Waiting for its stream (code 2), listed with its target as a string.
            var push = Assert.Single((await cli.JsonAsync("listConfig")).Data().GetProperty("push").EnumerateArray());
            Assert.Equal("rtmp://127.0.0.1:9/live", push.GetProperty("targetUri").GetString());
            Assert.Equal(2, push.GetProperty("status").GetProperty("current").GetProperty("code").GetInt32());

            // Once the stream is live, the push tries, fails (nothing on port 9) and retries, logged once.
            Assert.True(first.Host.Services.GetRequiredService<StreamHub>().TryPublish("cam", out _));
            await first.Logs.WaitForAsync("Push " + id + " to rtmp://127.0.0.1:9/live failed");
            var status = (await cli.JsonAsync($"getConfigInfo id={id}")).Data().GetProperty("status");
            Assert.Contains(status.GetProperty("current").GetProperty("code").GetInt32(), new[] { 1, 5 });
        }

        await using (var second = await TestEms.StartAsync(_folder))
        {
            await using var cli = await second.ConnectJsonAsync();
            var push = Assert.Single((await cli.JsonAsync("listConfig")).Data().GetProperty("push").EnumerateArray());
            Assert.Equal(id, push.GetProperty("configId").GetInt64());
            Assert.NotNull(second.Host.Services.GetRequiredService<PushStreamManager>().Find(id));
            Assert.Equal("SUCCESS", (await cli.JsonAsync($"removeConfig id={id}")).Status());
            Assert.Null(second.Host.Services.GetRequiredService<PushStreamManager>().Find(id));
        }

        await using var third = await TestEms.StartAsync(_folder);
        await using var again = await third.ConnectJsonAsync();
        Assert.Equal(0, (await again.JsonAsync("listConfig")).Data().GetProperty("push").GetArrayLength());
    }
}
