using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text.Json.Nodes;
using EmsSharp.Media.Hub;
using EmsSharp.Server.Delivery.Fmp4;
using EmsSharp.Server.Events;
using Microsoft.Extensions.DependencyInjection;
using static EmsSharp.Server.Tests.Delivery.Fmp4.Fmp4TestStream;

namespace EmsSharp.Server.Tests.Delivery.Fmp4;

public sealed class WsFmp4EndpointTests
{
    [Fact]
    public async Task Viewer_gets_the_init_then_fragments_from_a_keyframe_and_out_stream_events_are_published()
    {
        var events = new WaitablePublisher();
        await using var ems = await TestEms.StartAsync(services: s => s.AddSingleton<IEventPublisher>(events));
        var hub = ems.Host.Services.GetRequiredService<StreamHub>();
        Assert.True(hub.TryPublish("test", out var stream));
        SetTracks(stream);
        Publish(stream, 0, 12, gop: 5);

        var endpoint = ems.Host.Services.GetRequiredService<WsFmp4Endpoint>().BoundEndPoint!;
        Assert.NotEqual(ems.Host.HttpEndPoint!.Port, endpoint.Port);
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{endpoint.Port}/test?progressive&adaptive"), CancellationToken.None);
        var init = await ReceiveAsync(socket);
        Assert.True(IsInit(init));
        Assert.Equal((10, true), FirstVideo(await ReceiveAsync(socket)));

        Publish(stream, 12, 14, gop: 5);
        Assert.Equal((11, false), FirstVideo(await ReceiveAsync(socket)));
        stream.Dispose();
        Assert.Equal(12, FirstVideo(await ReceiveAsync(socket)).Index);
        Assert.Equal(13, FirstVideo(await ReceiveAsync(socket)).Index);
        var buffer = new byte[64];
        var end = await socket.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(WebSocketMessageType.Close, end.MessageType);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);

        var closed = await events.WaitAsync(EventTypes.OutStreamClosed);
        Assert.Equal("test", (string?)closed["name"]);
        Assert.Equal("wsfmp4", (string?)closed["protocol"]);
        Assert.Contains(EventTypes.OutStreamCreated, events.Types);
        // EvoStream's outbound stream object: ONFMP4, reading the stream, with what it sent.
        Assert.Equal("ONFMP4", (string?)closed["type"]);
        Assert.Equal(stream.Id, (long?)closed["inStreamUniqueId"]);
        Assert.True((long?)closed["packets"] >= 5);
        Assert.Equal("127.0.0.1", (string?)closed["farIp"]);
    }

    [Fact]
    public async Task An_opus_stream_is_served_with_its_opus_sample_entry_and_its_audio()
    {
        // What a WHIP publisher's stream holds: H.264 and Opus from RTP (no OpusHead), at 48 kHz.
        await using var ems = await TestEms.StartAsync();
        var hub = ems.Host.Services.GetRequiredService<StreamHub>();
        Assert.True(hub.TryPublish("whip", out var stream));
        stream.SetVideoTrack(new VideoTrackConfig(MediaCodec.H264, AvcC(), 1280, 720));
        stream.SetAudioTrack(new AudioTrackConfig(MediaCodec.Opus, ReadOnlyMemory<byte>.Empty, 48_000, 2));
        PublishWithOpus(stream, 0, 7);

        var endpoint = ems.Host.Services.GetRequiredService<WsFmp4Endpoint>().BoundEndPoint!;
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{endpoint.Port}/whip"), CancellationToken.None);
        var init = await ReceiveAsync(socket);
        Assert.True(IsInit(init));
        Assert.Equal(0xF3, init[4]); // HEADER_MOOV flags: video and audio
        Assert.True(init.AsSpan().IndexOf("dOps"u8) > 0);
        Assert.Equal((5, true), FirstVideo(await ReceiveAsync(socket)));

        // Each fragment carries the Opus packets complete (the next one came) before its video ends, in order.
        PublishWithOpus(stream, 7, 10);
        var audio = new List<byte>();
        for (var i = 0; i < 3; i++)
            audio.AddRange(AudioBuffer(await ReceiveAsync(socket)));
        Assert.Equal([0xFC, 6, 0xFC, 7], audio.Skip(audio.IndexOf(6) - 1).Take(4));
    }

    // Video frames [from, to) at 30 fps (a keyframe every 5) with an Opus packet at each frame's time.
    private static void PublishWithOpus(LiveStream stream, int from, int to)
    {
        for (var i = from; i < to; i++)
        {
            Assert.True(stream.Publish(VideoFrame(i, key: i % 5 == 0)));
            Assert.True(stream.Publish(new MediaFrame(TrackKind.Audio, MediaCodec.Opus, i * 1600L, i * 1600L, true, new byte[] { 0xFC, (byte)i })));
        }
    }

    private static byte[] AudioBuffer(byte[] fragment)
    {
        ReadOnlySpan<byte> rest = fragment;
        while (EmsSharp.Media.Fmp4.Fmp4StreamPacket.TryRead(rest, out var packet, out var consumed))
        {
            if (packet.Type == EmsSharp.Media.Fmp4.Fmp4StreamPacketType.AudioBuffer)
                return packet.Payload.ToArray();
            rest = rest[consumed..];
        }

        return [];
    }

    [Fact]
    public async Task A_viewer_is_listed_as_an_outbound_stream_of_its_source_and_shutdownStream_ends_it_only()
    {
        var events = new WaitablePublisher();
        await using var ems = await TestEms.StartAsync(services: s => s.AddSingleton<IEventPublisher>(events));
        await using var cli = await ems.ConnectJsonAsync();
        var (stream, socket) = await ConnectViewerAsync(ems);
        using var _ = socket;

        var created = await events.WaitAsync(EventTypes.OutStreamCreated);
        var id = (long)created["uniqueId"]!;
        var source = (await cli.JsonAsync($"getStreamInfo id={stream.Id}")).Data();
        Assert.Equal([id], source.GetProperty("outStreamsUniqueIds").EnumerateArray().Select(e => e.GetInt64()));
        var output = (await cli.JsonAsync($"getStreamInfo id={id}")).Data();
        Assert.Equal(("ONFMP4", stream.Id), (output.GetProperty("type").GetString(), output.GetProperty("inStreamUniqueId").GetInt64()));
        Assert.Equal("127.0.0.1", output.GetProperty("farIp").GetString());
        Assert.NotEqual(0, output.GetProperty("farPort").GetInt32());

        Assert.Equal("SUCCESS", (await cli.JsonAsync($"shutdownStream id={id}")).Status());
        await events.WaitAsync(EventTypes.OutStreamClosed);
        try
        {
            while ((await socket.ReceiveAsync(new byte[64 * 1024], CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10))).MessageType
                   != WebSocketMessageType.Close)
            {
                // what was sent before the shutdown
            }
        }
        catch (WebSocketException)
        {
            // the server dropped the connection
        }

        Assert.NotEqual(WebSocketState.Open, socket.State);
        Assert.True((await cli.JsonAsync($"isStreamRunning id={stream.Id}")).Data().GetProperty("Running").GetBoolean());
        Assert.False((await cli.JsonAsync($"isStreamRunning id={id}")).Data().GetProperty("Running").GetBoolean());
    }

    [Fact]
    public async Task Viewers_beyond_the_per_address_cap_get_429_and_a_freed_slot_serves_again()
    {
        var events = new WaitablePublisher();
        await using var ems = await TestEms.StartAsync(services: s => s
            .AddSingleton<IEventPublisher>(events)
            .Configure<WsFmp4Options>(o => o.MaxViewersPerAddress = 2));
        var hub = ems.Host.Services.GetRequiredService<StreamHub>();
        Assert.True(hub.TryPublish("test", out var stream));
        SetTracks(stream);
        Publish(stream, 0, 3, gop: 5);
        var uri = new Uri($"ws://127.0.0.1:{ems.Host.Services.GetRequiredService<WsFmp4Endpoint>().BoundEndPoint!.Port}/test");

        using var first = new ClientWebSocket();
        await first.ConnectAsync(uri, CancellationToken.None);
        Assert.True(IsInit(await ReceiveAsync(first)));
        using var second = new ClientWebSocket();
        await second.ConnectAsync(uri, CancellationToken.None);
        Assert.True(IsInit(await ReceiveAsync(second)));

        using var third = new ClientWebSocket();
        var refused = await Assert.ThrowsAsync<WebSocketException>(() => third.ConnectAsync(uri, CancellationToken.None));
        Assert.Contains("429", refused.Message, StringComparison.Ordinal);
        Assert.True(ems.Logs.Contains("2 viewers from this address already"));

        // A viewer leaves: once the server has ended it (outStreamClosed), its slot serves the next one.
        await first.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        await events.WaitAsync(EventTypes.OutStreamClosed);
        using var admitted = new ClientWebSocket();
        await admitted.ConnectAsync(uri, CancellationToken.None);
        Assert.True(IsInit(await ReceiveAsync(admitted)));
    }

    [Fact]
    public async Task Unknown_stream_is_closed_with_policy_violation_and_the_reason()
    {
        await using var ems = await TestEms.StartAsync(services: s =>
            s.Configure<WsFmp4Options>(o => o.StreamWaitTimeout = TimeSpan.FromMilliseconds(300)));
        var endpoint = ems.Host.Services.GetRequiredService<WsFmp4Endpoint>().BoundEndPoint!;
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{endpoint.Port}/nope"), CancellationToken.None);
        var result = await socket.ReceiveAsync(new byte[64], CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(WebSocketMessageType.Close, result.MessageType);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, socket.CloseStatus);
        Assert.Equal("stream not found: nope", socket.CloseStatusDescription);
        Assert.True(ems.Logs.Contains("stream not found: nope"));
    }

    [Fact]
    public async Task Server_shutdown_closes_viewers_with_going_away_instead_of_waiting_on_them()
    {
        var ems = await TestEms.StartAsync();
        var (_, socket) = await ConnectViewerAsync(ems);
        using var _ = socket;

        var disposing = ems.DisposeAsync().AsTask();
        WebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(new byte[64 * 1024], CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        }
        while (result.MessageType != WebSocketMessageType.Close);

        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, socket.CloseStatus);
        Assert.Equal("server stopping", socket.CloseStatusDescription);
        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        await disposing.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Plain_http_on_the_websocket_port_is_refused_and_the_api_port_is_unaffected()
    {
        await using var ems = await TestEms.StartAsync();
        var endpoint = ems.Host.Services.GetRequiredService<WsFmp4Endpoint>().BoundEndPoint!;
        using var http = new HttpClient();
        using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{endpoint.Port}/test"));
        Assert.Equal(System.Net.HttpStatusCode.UpgradeRequired, response.StatusCode);
        Assert.Equal("SUCCESS", (await ems.HttpAsync("version")).Status());
    }

    // A live stream "test" of three frames and a viewer of it that got the init packet.
    private static async Task<(LiveStream Stream, ClientWebSocket Socket)> ConnectViewerAsync(TestEms ems)
    {
        var hub = ems.Host.Services.GetRequiredService<StreamHub>();
        Assert.True(hub.TryPublish("test", out var stream));
        SetTracks(stream);
        Publish(stream, 0, 3, gop: 5);
        var endpoint = ems.Host.Services.GetRequiredService<WsFmp4Endpoint>().BoundEndPoint!;
        var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{endpoint.Port}/test"), CancellationToken.None);
        Assert.True(IsInit(await ReceiveAsync(socket)));
        return (stream, socket);
    }

    private sealed class WaitablePublisher : IEventPublisher
    {
        private readonly ConcurrentQueue<(string Type, JsonObject Payload)> _events = new();
        private readonly SemaphoreSlim _published = new(0);

        public List<string> Types => [.. _events.Select(e => e.Type)];

        public void Publish(string type, JsonObject payload)
        {
            _events.Enqueue((type, payload));
            _published.Release();
        }

        public async Task<JsonObject> WaitAsync(string type)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (true)
            {
                foreach (var e in _events)
                {
                    if (e.Type == type)
                    {
                        return e.Payload;
                    }
                }

                Assert.True(await _published.WaitAsync(deadline - DateTime.UtcNow), "no " + type);
            }
        }
    }
}
