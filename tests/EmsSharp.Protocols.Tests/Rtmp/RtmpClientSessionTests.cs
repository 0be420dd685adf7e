using System.Buffers;
using CsCheck;
using EmsSharp.Protocols.Rtmp;
using EmsSharp.Protocols.Rtmp.Amf0;
using static EmsSharp.Protocols.Tests.Rtmp.RtmpClientScript;

namespace EmsSharp.Protocols.Tests.Rtmp;

public class RtmpClientSessionTests
{
    private static Amf0Value Status(string level, string code) =>
        Amf0Value.FromObject([new("level", S(level)), new("code", S(code))]);

    private static (RtmpClientSession Client, byte[] S1) Handshaken(out byte[] c0c1)
    {
        var client = new RtmpClientSession("live", "rtmp://h:1935/live", "cam");
        client.Start(TimeSpan.FromMilliseconds(5));
        Assert.True(client.TryPollTransmit(out var first));
        c0c1 = first.ToArray();
        var s1 = new byte[RtmpHandshake.PacketSize];
        new Random(7).NextBytes(s1);
        return (client, s1);
    }

    private static List<(string Name, uint StreamId, List<Amf0Value> Values)> Commands(ReadOnlySpan<byte> chunks)
    {
        var reader = new RtmpChunkReader(RtmpLimits.Default);
        var sequence = new SequenceReader<byte>(new ReadOnlySequence<byte>(chunks.ToArray()));
        var result = new List<(string, uint, List<Amf0Value>)>();
        while (true)
        {
            var status = reader.TryReadChunk(ref sequence, out var message);
            if (status == RtmpChunkReadStatus.NeedMoreData)
            {
                return result;
            }

            if (status == RtmpChunkReadStatus.MessageComplete && message.Type == RtmpMessageType.CommandAmf0)
            {
                var values = new List<Amf0Value>();
                Assert.True(Amf0Value.TryReadAll(message.Payload.Span, Amf0Limits.Default, values));
                result.Add((values[0].Text!, message.MessageStreamId, values));
            }
        }
    }

    [Fact]
    public void Handshake_connect_createStream_play_then_media_events()
    {
        var (client, s1) = Handshaken(out var c0c1);
        Assert.Equal(1 + RtmpHandshake.PacketSize, c0c1.Length);
        Assert.Equal(RtmpHandshake.Version, c0c1[0]);

        var server = new RtmpClientScript().Handshake(s1)
            .Command(0, S("_result"), N(1), Amf0Value.Null, Status("status", "NetConnection.Connect.Success"))
            .Command(0, S("_result"), N(2), Amf0Value.Null, N(1))
            .Command(1, S("onStatus"), N(0), Amf0Value.Null, Status("status", "NetStream.Play.Start"))
            .Message(RtmpMessageType.Video, 1, 40, [0x17, 0, 0, 0, 0, 1, 2])
            .Message(RtmpMessageType.Audio, 1, 42, [0xAF, 1, 9]).Bytes;
        Assert.True(client.HandleInput(new ReadOnlySequence<byte>(server), out var consumed), client.Error);
        Assert.Equal(server.Length, new ReadOnlySequence<byte>(server).Slice(0, consumed).Length);

        Assert.True(client.TryPollTransmit(out var sent));
        Assert.Equal(s1, sent.Span[..RtmpHandshake.PacketSize].ToArray()); // §5.2.4: C2 echoes S1
        var commands = Commands(sent.Span[RtmpHandshake.PacketSize..]);
        Assert.Equal(["connect", "createStream", "play"], commands.ConvertAll(c => c.Name));
        Assert.True(commands[0].Values[2].TryGetProperty("app", out var app) && app.Text == "live");
        Assert.Equal((1u, "cam"), (commands[2].StreamId, commands[2].Values[3].Text));

        Assert.True(client.TryPollEvent(out var playing));
        Assert.Equal(RtmpClientEventKind.Playing, playing.Kind);
        Assert.True(client.TryPollEvent(out var video));
        Assert.Equal((RtmpClientEventKind.Video, 40u, 7), (video.Kind, video.Timestamp, video.Payload.Length));
        Assert.True(client.TryPollEvent(out var audio));
        Assert.Equal((RtmpClientEventKind.Audio, 42u), (audio.Kind, audio.Timestamp));
    }

    [Fact]
    public void A_refused_play_fails_the_session()
    {
        var (client, s1) = Handshaken(out _);
        var server = new RtmpClientScript().Handshake(s1)
            .Command(0, S("_result"), N(1), Amf0Value.Null, Status("status", "NetConnection.Connect.Success"))
            .Command(0, S("_result"), N(2), Amf0Value.Null, N(1))
            .Command(1, S("onStatus"), N(0), Amf0Value.Null, Status("error", "NetStream.Play.StreamNotFound")).Bytes;
        Assert.False(client.HandleInput(new ReadOnlySequence<byte>(server), out _));
        Assert.Contains("StreamNotFound", client.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_server_version_fails()
    {
        var (client, _) = Handshaken(out _);
        var bytes = new byte[1 + (2 * RtmpHandshake.PacketSize)];
        bytes[0] = 6;
        Assert.False(client.HandleInput(new ReadOnlySequence<byte>(bytes), out _));
    }

    [Fact]
    public void Random_input_after_the_handshake_never_throws()
    {
        Gen.Byte.Array[0, 400].Sample(
            garbage =>
            {
                var (client, s1) = Handshaken(out _);
                byte[] input = [.. new RtmpClientScript().Handshake(s1).Bytes, .. garbage];
                client.HandleInput(new ReadOnlySequence<byte>(input), out _);
                while (client.TryPollEvent(out _))
                {
                }
            },
            seed: "0RtmpCl1ent1",
            iter: 5_000,
            threads: 1);
    }
}
