using System.Buffers;
using System.Net.Sockets;
using EmsSharp.Media.Hub;
using EmsSharp.Protocols.Rtmp;
using EmsSharp.Server.Delivery;
using EmsSharp.Server.Ingest;
using EmsSharp.Server.Tests.Api;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Tests.Ingest;

/// <summary><see cref="RtmpPlayer"/> in memory (a client session against the server session), and a stalled player over TCP.</summary>
public class RtmpPlayerTests
{
    private static readonly byte[] AvcC = [1, 0x42, 0xC0, 0x1E, 0xFF, 0xE1, 0, 4, 0x67, 0x42, 0xC0, 0x1E, 1, 0, 2, 0x68, 0xCE];
    private static readonly byte[] Asc = [0x11, 0x90];

    [Fact]
    public void Sends_metadata_and_sequence_headers_then_frames_timed_from_the_first_one_sent()
    {
        var stream = Live(out _);
        stream.Publish(Video(900_000, 903_000, key: true, 0xAA)); // 10 s, shown 33 ms later
        stream.Publish(Audio(480_000, 0xB1));
        stream.Publish(Audio(481_024, 0xB2));
        stream.Publish(Video(903_000, 903_000, key: false, 0xAB));
        stream.Publish(new MediaFrame(TrackKind.Audio, MediaCodec.Opus, 481_000, 481_000, true, new byte[] { 1 })); // no FLV format
        using var player = new RtmpPlayer(1, stream.CreateReader(64));
        var (server, client) = Playing("cam");

        server.AcceptPlay(1, "cam", RtmpPlayer.Metadata(stream));
        Assert.Equal(5, player.Drain(server, 1 << 20));
        var events = Exchange(server, client);

        Assert.Equal(RtmpClientEventKind.Playing, events[0].Kind);
        var metadata = Assert.Single(events, e => e.Kind == RtmpClientEventKind.Metadata).Metadata;
        Assert.Equal((640.0, 7.0, 10.0), (Number(metadata, "width"), Number(metadata, "videocodecid"), Number(metadata, "audiocodecid")));
        var media = events.FindAll(e => e.Kind is RtmpClientEventKind.Video or RtmpClientEventKind.Audio)
            .ConvertAll(e => (e.Kind, e.Timestamp, Head: $"{Convert.ToHexString(e.Payload.Span[..Math.Min(5, e.Payload.Length)])}:{e.Payload.Span[^1]:X2}"));
        Assert.Equal(
        [
            (RtmpClientEventKind.Video, 0u, "1700000000:CE"), // FLV E.4.3.1 AVC sequence header: the avcC, composition 0
            (RtmpClientEventKind.Video, 0u, "1701000021:AA"), // keyframe, composition time 33 ms
            (RtmpClientEventKind.Audio, 0u, "AF001190:90"), // AAC sequence header: the AudioSpecificConfig
            (RtmpClientEventKind.Audio, 0u, "AF01B1:B1"),
            (RtmpClientEventKind.Audio, 21u, "AF01B2:B2"),
            (RtmpClientEventKind.Video, 33u, "2701000000:AB"),
        ], media);
        Assert.Equal((4, 1), (player.SentFrames, player.SkippedFrames));
        Assert.Equal(AvcC, events.Find(e => e.Kind == RtmpClientEventKind.Video).Payload.Span[5..].ToArray());
    }

    [Fact]
    public void A_lagging_player_skips_to_a_keyframe_counts_the_drops_and_the_publisher_never_waits()
    {
        var stream = Live(out _);
        using var player = new RtmpPlayer(1, stream.CreateReader(16));
        var (server, client) = Playing("cam");
        server.AcceptPlay(1, "cam", null);
        for (var i = 0; i < 100; i++)
        {
            Assert.True(stream.Publish(Video(i * 3000L, i * 3000L, key: i % 40 == 0, (byte)i)));
        }

        // 100 frames behind with room for 16: everything up to the next keyframe is dropped, none sent.
        Assert.Equal(0, Drain(player, server));
        for (var i = 100; i < 104; i++)
        {
            Assert.True(stream.Publish(Video(i * 3000L, i * 3000L, key: i == 100, (byte)i)));
        }

        Assert.Equal(4, Drain(player, server));
        var video = Exchange(server, client).FindAll(e => e.Kind == RtmpClientEventKind.Video);
        Assert.Equal(100, player.DroppedFrames);
        Assert.Equal(4, player.SentFrames);
        Assert.Equal(5, video.Count); // the sequence header, then keyframe 100 at 0 ms and its 3 frames
        Assert.Equal((0x17, 100, 0u), (video[1].Payload.Span[0], video[1].Payload.Span[^1], video[1].Timestamp));
        Assert.Equal((103, 100u), (video[4].Payload.Span[^1], video[4].Timestamp));
    }

    [Fact]
    public async Task A_player_that_stops_reading_is_dropped_at_the_send_timeout()
    {
        var hub = new StreamHub();
        var options = Options.Create(new IngestOptions { RtmpPort = 0, RtmpAddress = "127.0.0.1", RtmpSendTimeout = TimeSpan.FromSeconds(1) });
        using var logs = new ListLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs));
        var events = new RecordingPublisher();
        var time = new ObservedTimeProvider();
        var outputs = new OutboundStreamRegistry(hub, events, time);
        using var server = new RtmpServer(options, new PublishAuthorizer(options, hub, time), time, factory.CreateLogger<RtmpServer>(), outputs: outputs);
        await server.StartAsync(CancellationToken.None);
        try
        {
            Assert.True(hub.TryPublish("cam", out var stream));
            stream.SetVideoTrack(new VideoTrackConfig(MediaCodec.H264, AvcC, 640, 360));
            stream.Publish(Video(0, 0, key: true, 1));

            using var tcp = new TcpClient { ReceiveBufferSize = 4096 };
            await tcp.ConnectAsync(server.LocalEndPoint!);
            await PlayAsync(tcp.GetStream(), "cam");
            Assert.Equal(1, outputs.Count);

            // The player reads no more: the ems's sends stall, its send timeout ends the connection. The publisher goes on.
            // The fake clock moves 100 ms a frame while a send is under way (its timer armed last), never while the
            // connection is between sends: a clock that ran ahead of the loop fired its idle timer instead.
            var ended = logs.WaitForAsync("took no bytes");
            var big = new byte[128 * 1024];
            for (var i = 1; !ended.IsCompleted; i++)
            {
                Assert.True(stream.Publish(Video(i * 3000L, i * 3000L, key: true, 0) with { Payload = big }));
                if (time.LastArmedFor(options.Value.RtmpSendTimeout))
                    time.Advance(TimeSpan.FromMilliseconds(100));
                await Task.Yield();
            }

            await ended;
            await logs.WaitForAsync("stopped playing cam");
            Assert.Equal(0, outputs.Count);
            Assert.Contains("outStreamClosed", events.Types);
        }
        finally
        {
            await server.StopAsync(CancellationToken.None);
        }
    }

    private static int Drain(RtmpPlayer player, RtmpServerSession server)
    {
        var sent = player.SentFrames;
        while (player.Drain(server, 1 << 20) > 0)
        {
        }

        return (int)(player.SentFrames - sent);
    }

    private static LiveStream Live(out StreamHub hub)
    {
        hub = new StreamHub();
        Assert.True(hub.TryPublish("cam", out var stream));
        stream.SetVideoTrack(new VideoTrackConfig(MediaCodec.H264, AvcC, 640, 360));
        stream.SetAudioTrack(new AudioTrackConfig(MediaCodec.Aac, Asc, 48_000, 2));
        return stream;
    }

    private static MediaFrame Video(long dts, long pts, bool key, byte last) =>
        new(TrackKind.Video, MediaCodec.H264, dts, pts, key, new byte[] { 0, 0, 0, 2, (byte)(key ? 0x65 : 0x41), last });

    private static MediaFrame Audio(long dts, byte first) => new(TrackKind.Audio, MediaCodec.Aac, dts, dts, true, new byte[] { first });

    private static double Number(EmsSharp.Protocols.Rtmp.Amf0.Amf0Value value, string name) =>
        value.TryGetProperty(name, out var property) ? property.Number : double.NaN;

    // A client session and a server session talking in memory until the server is asked to play.
    private static (RtmpServerSession Server, RtmpClientSession Client) Playing(string name)
    {
        var server = new RtmpServerSession();
        var client = new RtmpClientSession("live", "rtmp://127.0.0.1/live", name);
        client.Start(TimeSpan.Zero);
        for (var round = 0; round < 10; round++)
        {
            Assert.Empty(Exchange(server, client));
            if (server.TryPollEvent(out var e))
            {
                Assert.Equal((RtmpServerEventKind.PlayRequested, name), (e.Kind, e.StreamName));
                return (server, client);
            }
        }

        Assert.Fail("no play request");
        return default;
    }

    // One round each way; the client's events.
    private static List<RtmpClientEvent> Exchange(RtmpServerSession server, RtmpClientSession client)
    {
        var toServer = new ArrayBufferWriter<byte>();
        while (client.TryPollTransmit(out var data))
        {
            toServer.Write(data.Span);
        }

        Assert.True(server.HandleInput(new ReadOnlySequence<byte>(toServer.WrittenMemory), TimeSpan.Zero, out var used));
        Assert.Equal(toServer.WrittenCount, new ReadOnlySequence<byte>(toServer.WrittenMemory).Slice(0, used).Length);
        var toClient = new ArrayBufferWriter<byte>();
        while (server.TryPollTransmit(out var data))
        {
            toClient.Write(data.Span);
        }

        Assert.True(client.HandleInput(new ReadOnlySequence<byte>(toClient.WrittenMemory), out var consumed), client.Error);
        Assert.Equal(toClient.WrittenCount, new ReadOnlySequence<byte>(toClient.WrittenMemory).Slice(0, consumed).Length);
        var events = new List<RtmpClientEvent>();
        while (client.TryPollEvent(out var e))
        {
            events.Add(e);
        }

        return events;
    }

    // Plays over a real socket until NetStream.Play.Start.
    private static async Task PlayAsync(NetworkStream socket, string name)
    {
        var client = new RtmpClientSession("live", "rtmp://127.0.0.1/live", name);
        client.Start(TimeSpan.Zero);
        var pending = new ArrayBufferWriter<byte>();
        var buffer = new byte[16 * 1024];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            while (client.TryPollTransmit(out var data))
            {
                await socket.WriteAsync(data, timeout.Token);
            }

            var read = await socket.ReadAsync(buffer, timeout.Token);
            Assert.NotEqual(0, read);
            pending.Write(buffer.AsSpan(0, read));
            var sequence = new ReadOnlySequence<byte>(pending.WrittenMemory);
            Assert.True(client.HandleInput(sequence, out var consumed), client.Error);
            var rest = sequence.Slice(consumed).ToArray();
            pending.ResetWrittenCount();
            pending.Write(rest);
            while (client.TryPollEvent(out var e))
            {
                if (e.Kind == RtmpClientEventKind.Playing)
                {
                    return;
                }
            }
        }
    }
}
