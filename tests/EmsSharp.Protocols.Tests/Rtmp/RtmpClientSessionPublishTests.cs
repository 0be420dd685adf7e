using System.Buffers;
using CsCheck;
using EmsSharp.Protocols.Rtmp;
using EmsSharp.Protocols.Rtmp.Amf0;
using static EmsSharp.Protocols.Tests.Rtmp.RtmpClientScript;

namespace EmsSharp.Protocols.Tests.Rtmp;

/// <summary>The publish mode of <see cref="RtmpClientSession"/> (RTMP 1.0 §7.2.1.1, §7.2.1.3, §7.2.2.6, §5.4.1).</summary>
public class RtmpClientSessionPublishTests
{
    private static Amf0Value Status(string level, string code) =>
        Amf0Value.FromObject([new("level", S(level)), new("code", S(code)), new("description", S("said the server"))]);

    private static (RtmpClientSession Client, byte[] S1) Handshaken(RtmpPublishOptions options)
    {
        var client = new RtmpClientSession("live", "rtmp://h:1935/live", "key1", options);
        client.Start(TimeSpan.FromMilliseconds(5));
        Assert.True(client.TryPollTransmit(out _));
        var s1 = new byte[RtmpHandshake.PacketSize];
        new Random(9).NextBytes(s1);
        return (client, s1);
    }

    private static List<RtmpMessage> Messages(ReadOnlySpan<byte> chunks)
    {
        var reader = new RtmpChunkReader(RtmpLimits.Default);
        var sequence = new SequenceReader<byte>(new ReadOnlySequence<byte>(chunks.ToArray()));
        var result = new List<RtmpMessage>();
        while (true)
        {
            var status = reader.TryReadChunk(ref sequence, out var message);
            if (status == RtmpChunkReadStatus.NeedMoreData)
            {
                return result;
            }

            Assert.NotEqual(RtmpChunkReadStatus.Malformed, status);
            if (status == RtmpChunkReadStatus.MessageComplete)
            {
                result.Add(message with { Payload = message.Payload.ToArray() });
            }
        }
    }

    private static List<Amf0Value> Values(RtmpMessage message)
    {
        var values = new List<Amf0Value>();
        Assert.True(Amf0Value.TryReadAll(message.Payload.Span, Amf0Limits.Default, values));
        return values;
    }

    private static byte[] Accepting(byte[] s1, string code = "NetStream.Publish.Start", string level = "status") =>
        new RtmpClientScript().Handshake(s1)
            .Command(0, S("_result"), N(1), Amf0Value.Null, Status("status", "NetConnection.Connect.Success"))
            .Command(0, S("_result"), N(3), Amf0Value.Null) // releaseStream
            .Command(0, S("_error"), N(4), Amf0Value.Null) // FCPublish: some servers refuse it, which is harmless
            .Command(0, S("_result"), N(2), Amf0Value.Null, N(1))
            .Command(1, S("onStatus"), N(0), Amf0Value.Null, Status(level, code)).Bytes;

    [Fact]
    public void Set_chunk_size_connect_releaseStream_FCPublish_createStream_publish_then_metadata_and_media()
    {
        var (client, s1) = Handshaken(new RtmpPublishOptions("record", 4096, "EvoStream Media Server (www.evostream.com)", PageUrl: "http://p"));
        var server = Accepting(s1);
        Assert.True(client.HandleInput(new ReadOnlySequence<byte>(server), out _), client.Error);
        Assert.True(client.TryPollEvent(out var publishing));
        Assert.Equal(RtmpClientEventKind.Publishing, publishing.Kind);
        Assert.True(client.IsPublishing);
        Assert.Equal(1u, client.MessageStreamId);

        client.WriteMetadata(Amf0Value.FromEcmaArray([new("width", N(320))]));
        var body = new byte[5000]; // longer than a chunk: the 4096 chunk size applies
        client.WriteVideo(1, 40, [0x17, 1, 0, 0, 0], body);
        client.WriteAudio(1, 42, [0xAF, 1], [1, 2, 3]);
        Assert.True(client.TryPollTransmit(out var sent));
        var before = sent.Span[RtmpHandshake.PacketSize..].ToArray();
        var messages = Messages(before);

        // §5.4.1 first, then the commands in order; publish carries the name and the type (§7.2.2.6).
        Assert.Equal(RtmpMessageType.SetChunkSize, messages[0].Type);
        var commands = messages.FindAll(m => m.Type == RtmpMessageType.CommandAmf0).ConvertAll(m => Values(m));
        Assert.Equal(["connect", "releaseStream", "FCPublish", "createStream", "publish"], commands.ConvertAll(c => c[0].Text));
        Assert.True(commands[0][2].TryGetProperty("flashVer", out var flashVer) && flashVer.Text!.StartsWith("EvoStream", StringComparison.Ordinal));
        Assert.True(commands[0][2].TryGetProperty("pageUrl", out var page) && page.Text == "http://p");
        Assert.Equal(("key1", "record"), (commands[4][3].Text, commands[4][4].Text));

        var data = Assert.Single(messages, m => m.Type == RtmpMessageType.DataAmf0);
        Assert.Equal(["@setDataFrame", "onMetaData"], Values(data).GetRange(0, 2).ConvertAll(v => v.Text));
        var video = Assert.Single(messages, m => m.Type == RtmpMessageType.Video);
        Assert.Equal((1u, 40u, 5005), (video.MessageStreamId, video.Timestamp, video.Payload.Length));
        var audio = Assert.Single(messages, m => m.Type == RtmpMessageType.Audio);
        Assert.Equal(new byte[] { 0xAF, 1, 1, 2, 3 }, audio.Payload.ToArray());

        client.Unpublish();
        Assert.False(client.IsPublishing);
        Assert.True(client.TryPollTransmit(out var end));
        var all = Messages([.. before, .. end.Span]); // headers are compressed against the earlier chunks
        Assert.Equal(["FCUnpublish", "deleteStream"], all.GetRange(all.Count - 2, 2).ConvertAll(m => Values(m)[0].Text));
    }

    [Fact]
    public void Without_a_chunk_size_request_no_set_chunk_size_is_sent_and_media_before_publish_start_throws()
    {
        var (client, s1) = Handshaken(new RtmpPublishOptions());
        var server = new RtmpClientScript().Handshake(s1)
            .Command(0, S("_result"), N(1), Amf0Value.Null, Status("status", "NetConnection.Connect.Success"))
            .Command(0, S("_result"), N(2), Amf0Value.Null, N(1)).Bytes;
        Assert.True(client.HandleInput(new ReadOnlySequence<byte>(server), out _), client.Error);
        Assert.False(client.TryPollEvent(out _));
        Assert.Throws<InvalidOperationException>(() => client.WriteVideo(1, 0, [0x17], [1]));
        Assert.True(client.TryPollTransmit(out var sent));
        var messages = Messages(sent.Span[RtmpHandshake.PacketSize..]);
        Assert.DoesNotContain(messages, m => m.Type == RtmpMessageType.SetChunkSize);
        Assert.Equal("publish", Values(messages[^1])[0].Text);
        Assert.Equal("live", Values(messages[^1])[4].Text);
    }

    [Theory]
    [InlineData("error", "NetStream.Publish.BadName")]
    [InlineData("status", "NetStream.Publish.BadName")]
    [InlineData("error", "NetStream.Publish.Denied")]
    public void A_refused_publish_fails_the_session_with_the_servers_code_and_words(string level, string code)
    {
        var (client, s1) = Handshaken(new RtmpPublishOptions());
        Assert.False(client.HandleInput(new ReadOnlySequence<byte>(Accepting(s1, code, level)), out _));
        Assert.Contains(code, client.Error, StringComparison.Ordinal);
        Assert.Contains("said the server", client.Error, StringComparison.Ordinal);
        Assert.False(client.IsPublishing);
        Assert.False(client.TryPollEvent(out _));
    }

    [Fact]
    public void A_refused_connect_fails_and_a_bad_publish_type_is_rejected()
    {
        var (client, s1) = Handshaken(new RtmpPublishOptions());
        var server = new RtmpClientScript().Handshake(s1)
            .Command(0, S("_error"), N(1), Amf0Value.Null, Status("error", "NetConnection.Connect.Rejected")).Bytes;
        Assert.False(client.HandleInput(new ReadOnlySequence<byte>(server), out _));
        Assert.Contains("connect", client.Error, StringComparison.Ordinal);

        Assert.Throws<ArgumentException>(() => new RtmpClientSession("live", "rtmp://h/live", "k", new RtmpPublishOptions("broadcast")));
    }

    [Fact]
    public void Random_input_in_publish_mode_never_throws()
    {
        Gen.Byte.Array[0, 400].Sample(
            garbage =>
            {
                var (client, s1) = Handshaken(new RtmpPublishOptions(ChunkSize: 4096));
                byte[] input = [.. new RtmpClientScript().Handshake(s1).Bytes, .. garbage];
                client.HandleInput(new ReadOnlySequence<byte>(input), out _);
                while (client.TryPollEvent(out _))
                {
                }
            },
            seed: "0RtmpPub1ish1",
            iter: 3_000,
            threads: 1);
    }
}
