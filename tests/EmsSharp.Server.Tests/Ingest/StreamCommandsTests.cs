using EmsSharp.Media.Hub;
using EmsSharp.Server.Api.Commands;
using EmsSharp.Server.Configs;
using EmsSharp.Server.Delivery;
using EmsSharp.Server.Events;
using EmsSharp.Server.Ingest;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Tests.Ingest;

public sealed class StreamCommandsTests : IDisposable
{
    private readonly string _folder = TestEms.NewDataFolder();

    public void Dispose() => TestEms.DeleteFolder(_folder);

    [Fact]
    public async Task Stream_commands_list_find_and_shut_down_a_pushed_stream()
    {
        await using var ems = await TestEms.StartAsync(_folder);
        await using var cli = await ems.ConnectJsonAsync();
        Assert.Equal(0, (await cli.JsonAsync("listStreams")).Data().GetArrayLength());

        var hub = ems.Host.Services.GetRequiredService<StreamHub>();
        Assert.True(hub.TryPublish("cam1", out var stream));
        stream.SetAudioTrack(new AudioTrackConfig(MediaCodec.Opus, ReadOnlyMemory<byte>.Empty, 48_000, 2));

        var list = (await cli.JsonAsync("listStreams")).Data();
        var info = Assert.Single(list.EnumerateArray());
        Assert.Equal("cam1", info.GetProperty("name").GetString());
        Assert.Equal("INR", info.GetProperty("type").GetString());
        Assert.Equal("AOPUS", info.GetProperty("audio").GetProperty("codec").GetString());
        Assert.Equal(stream.Id, (await cli.JsonAsync("listStreamsIds")).Data()[0].GetInt64());
        Assert.Equal("cam1", (await cli.JsonAsync($"getStreamInfo id={stream.Id}")).Data().GetProperty("name").GetString());
        Assert.True((await cli.JsonAsync("isStreamRunning localStreamName=cam1")).Data().GetProperty("Running").GetBoolean());

        Assert.Equal("FAIL", (await cli.JsonAsync("getStreamInfo")).Status());
        Assert.Equal("FAIL", (await cli.JsonAsync("getStreamInfo localStreamName=nope")).Status());
        Assert.Equal("FAIL", (await cli.JsonAsync("isStreamRunning")).Status());
        Assert.False((await cli.JsonAsync("isStreamRunning id=999")).Data().GetProperty("Running").GetBoolean());

        Assert.Equal("SUCCESS", (await cli.JsonAsync("shutdownStream localStreamName=cam1")).Status());
        Assert.True(stream.IsClosed);
        Assert.Equal(0, hub.Count);
    }

    [Fact]
    public async Task PullStream_validates_its_uri_refuses_a_duplicate_name_and_survives_a_restart()
    {
        long id;
        await using (var first = await TestEms.StartAsync(_folder))
        {
            await using var cli = await first.ConnectJsonAsync();
            Assert.Equal("FAIL", (await cli.JsonAsync("pullStream uri=http://example.com/x")).Status());
            Assert.Equal("FAIL", (await cli.JsonAsync("pullStream")).Status());

            // Nothing listens on port 9 (discard): the pull keeps retrying in the background.
            var reply = await cli.JsonAsync("pullStream uri=rtsp://127.0.0.1:9/live/cam forceTcp=1");
            Assert.Equal("SUCCESS", reply.Status());
            var data = reply.Data();
            id = data.GetProperty("configId").GetInt64();
            Assert.Equal("cam", data.GetProperty("localStreamName").GetString());
            Assert.Equal(1, data.GetProperty("operationType").GetInt32());
            Assert.True(data.GetProperty("forceTcp").GetBoolean());
            var uri = data.GetProperty("uri"); // EvoStream's object (shared/EVOSTREAM-API.md §4)
            Assert.Equal("rtsp://127.0.0.1:9/live/cam", uri.GetProperty("originalUri").GetString());
            Assert.Equal("127.0.0.1", uri.GetProperty("ip").GetString());
            Assert.Equal(9, uri.GetProperty("port").GetInt32());
            Assert.True(uri.GetProperty("portSpecified").GetBoolean());
            Assert.Equal("/live/", uri.GetProperty("documentPath").GetString());
            Assert.Equal("FAIL", (await cli.JsonAsync("pullStream uri=rtsp://127.0.0.1:9/other/cam")).Status());

            var help = await cli.JsonAsync("help");
            Assert.Contains("forcetcp", help.GetRawText(), StringComparison.OrdinalIgnoreCase);
        }

        await using (var second = await TestEms.StartAsync(_folder))
        {
            await using var cli = await second.ConnectJsonAsync();
            var pulls = (await cli.JsonAsync("listConfig")).Data().GetProperty("pull");
            Assert.Equal(id, Assert.Single(pulls.EnumerateArray()).GetProperty("configId").GetInt64());
            Assert.NotNull(second.Host.Services.GetRequiredService<PullStreamManager>().FindByStreamName("cam"));
            Assert.Equal("SUCCESS", (await cli.JsonAsync($"removeConfig id={id}")).Status());
            Assert.Null(second.Host.Services.GetRequiredService<PullStreamManager>().FindByStreamName("cam"));
        }

        await using var third = await TestEms.StartAsync(_folder);
        await using var again = await third.ConnectJsonAsync();
        Assert.Equal(0, (await again.JsonAsync("listConfig")).Data().GetProperty("pull").GetArrayLength());
    }

    [Fact]
    public async Task Hub_streams_raise_inStreamCreated_and_inStreamClosed()
    {
        var hub = new StreamHub();
        var events = new RecordingPublisher();
        var store = new ConfigurationStore(Options.Create(new EmsOptions { DataFolder = _folder }), TimeProvider.System,
            NullLogger<ConfigurationStore>.Instance);
        var pulls = new PullStreamManager(store, hub, TimeProvider.System, NullLogger<PullStreamManager>.Instance);
        var bridge = new StreamEventBridge(hub, events,
            new StreamDirectory(hub, pulls, new OutboundStreamRegistry(hub, events, TimeProvider.System), TimeProvider.System));
        await bridge.StartAsync(CancellationToken.None);
        Assert.True(hub.TryPublish("s", out var stream));
        stream.Dispose();
        await bridge.StopAsync(CancellationToken.None);
        Assert.True(hub.TryPublish("after", out _));
        Assert.Equal([EventTypes.InStreamCreated, EventTypes.InStreamClosed], events.Types);
        Assert.Equal("s", events.Payloads[1]["name"]!.GetValue<string>());
        Assert.Equal(stream.Id, events.Payloads[1]["uniqueId"]!.GetValue<long>());
        // The payload is the full stream object (EvoStream's events carry the stream's stats; its web UI reads these).
        Assert.Equal("INR", events.Payloads[0]["type"]!.GetValue<string>());
        Assert.Equal("VUNK", events.Payloads[0]["video"]!["codec"]!.GetValue<string>());
        Assert.Equal("AUNK", events.Payloads[0]["audio"]!["codec"]!.GetValue<string>());
    }
}
