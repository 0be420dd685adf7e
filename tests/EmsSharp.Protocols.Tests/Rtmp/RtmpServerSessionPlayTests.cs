using System.Buffers;
using System.Buffers.Binary;
using EmsSharp.Protocols.Rtmp;
using EmsSharp.Protocols.Rtmp.Amf0;
using static EmsSharp.Protocols.Tests.Rtmp.RtmpClientScript;

namespace EmsSharp.Protocols.Tests.Rtmp;

/// <summary>The play side of <see cref="RtmpServerSession"/> (RTMP 1.0 §7.2.2.1), in memory.</summary>
public class RtmpServerSessionPlayTests
{
    private static readonly byte[] VideoTagHeader = [0x17, 1, 0, 0, 0x21];

    [Fact]
    public void Accepted_play_gets_stream_begin_reset_start_sample_access_and_metadata_then_media_and_stop()
    {
        var (session, request) = Requested("cam?key=k1");
        Assert.Equal((RtmpServerEventKind.PlayRequested, 1u, "cam?key=k1"), (request.Kind, request.MessageStreamId, request.StreamName));

        session.AcceptPlay(1, "cam", Amf0Value.FromEcmaArray([new("width", N(640)), new("videocodecid", N(7))]));
        var body = new byte[6000]; // past the 4096-byte chunk size: the message spans chunks
        body[0] = 0xAB;
        body[^1] = 0xCD;
        session.WriteVideo(1, 40, VideoTagHeader, body);
        session.WriteAudio(1, 41, [0xAF, 1], [0x21, 0x10]);
        session.EndPlay(1, "cam ended");
        var messages = ReadMessages(session);

        // §7.1.7 Stream Begin for stream 1 comes before any onStatus of that stream.
        var begin = messages.FindIndex(m => m.Type == RtmpMessageType.UserControl && UserControl(m) == (0, 1));
        Assert.True(begin >= 0, "no Stream Begin");
        Assert.Equal(
            ["NetConnection.Connect.Success", "NetStream.Play.Reset", "NetStream.Play.Start", "NetStream.Play.UnpublishNotify", "NetStream.Play.Stop"],
            StatusCodes(messages));
        Assert.True(begin < messages.FindIndex(m => m.MessageStreamId == 1 && m.Type == RtmpMessageType.CommandAmf0));
        var getStreamLength = Values(messages.Find(m => m.Type == RtmpMessageType.CommandAmf0 && Values(m)[1].Number == 3));
        Assert.Equal(("_result", 0.0), (getStreamLength[0].Text, getStreamLength[3].Number));

        var data = messages.FindAll(m => m.Type == RtmpMessageType.DataAmf0).ConvertAll(Values);
        Assert.Equal(["|RtmpSampleAccess", "onMetaData"], data.ConvertAll(d => d[0].Text));
        Assert.True(data[1][1].TryGetProperty("width", out var width) && width.Number == 640);

        var video = Assert.Single(messages, m => m.Type == RtmpMessageType.Video);
        Assert.Equal((1u, 40u, 6005), (video.MessageStreamId, video.Timestamp, video.Payload.Length));
        Assert.Equal([.. VideoTagHeader, 0xAB], video.Payload.Span[..6].ToArray());
        Assert.Equal(0xCD, video.Payload.Span[^1]);
        var audio = Assert.Single(messages, m => m.Type == RtmpMessageType.Audio);
        Assert.Equal((1u, 41u), (audio.MessageStreamId, audio.Timestamp));
        Assert.Equal([0xAF, 1, 0x21, 0x10], audio.Payload.ToArray());
        Assert.Contains(messages, m => m.Type == RtmpMessageType.UserControl && UserControl(m) == (1, 1)); // Stream EOF

        // The play is over: no more media on that stream.
        Assert.Throws<InvalidOperationException>(() => session.WriteVideo(1, 80, VideoTagHeader, body));
    }

    [Theory]
    [InlineData("closeStream")]
    [InlineData("deleteStream")]
    public void Closing_or_deleting_the_stream_stops_the_play(string command)
    {
        var (session, _) = Requested("cam");
        session.AcceptPlay(1, "cam", null);
        var stop = new RtmpClientScript().Command(command == "closeStream" ? 1u : 0u, S(command), N(0), Amf0Value.Null, N(1)).Bytes;
        Assert.True(session.HandleInput(new ReadOnlySequence<byte>(stop), TimeSpan.Zero, out _));
        Assert.True(session.TryPollEvent(out var stopped));
        Assert.Equal((RtmpServerEventKind.PlayStopped, 1u, "cam"), (stopped.Kind, stopped.MessageStreamId, stopped.StreamName));
        Assert.Throws<InvalidOperationException>(() => session.WriteAudio(1, 0, [0xAF, 1], [1]));
    }

    [Theory]
    [InlineData(RtmpPlayRefusal.StreamNotFound, "NetStream.Play.StreamNotFound")]
    [InlineData(RtmpPlayRefusal.Failed, "NetStream.Play.Failed")]
    public void Refused_play_gets_an_error_status_and_no_media(RtmpPlayRefusal refusal, string code)
    {
        var (session, _) = Requested("cam");
        session.RejectPlay(1, refusal, "nope");
        var messages = ReadMessages(session);
        var status = Values(messages.FindLast(m => m.Type == RtmpMessageType.CommandAmf0 && m.MessageStreamId == 1));
        Assert.True(status[3].TryGetProperty("code", out var got) && got.Text == code);
        Assert.True(status[3].TryGetProperty("level", out var level) && level.Text == "error");
        Assert.DoesNotContain(messages, m => m.Type == RtmpMessageType.UserControl && UserControl(m) == (0, 1));
        Assert.Throws<InvalidOperationException>(() => session.WriteVideo(1, 0, VideoTagHeader, [1]));
        Assert.Throws<InvalidOperationException>(() => session.AcceptPlay(1, "cam", null));
    }

    [Fact]
    public void A_play_without_a_name_a_second_play_and_a_publish_on_a_playing_stream_are_refused_without_events()
    {
        var session = new RtmpServerSession();
        var bytes = new RtmpClientScript().Handshake(new byte[1536]).Connect("live").Play("?key=1").Bytes;
        Assert.True(session.HandleInput(new ReadOnlySequence<byte>(bytes), TimeSpan.Zero, out _));
        Assert.False(session.TryPollEvent(out _));
        Assert.Equal(["NetConnection.Connect.Success", "NetStream.Play.Failed"], StatusCodes(ReadMessages(session)));

        var (playing, _) = Requested("cam");
        var again = new RtmpClientScript()
            .Command(1, S("play"), N(0), Amf0Value.Null, S("other"))
            .Command(1, S("publish"), N(0), Amf0Value.Null, S("cam"), S("live")).Bytes;
        Assert.True(playing.HandleInput(new ReadOnlySequence<byte>(again), TimeSpan.Zero, out _));
        Assert.False(playing.TryPollEvent(out _));
        Assert.Equal(["NetConnection.Connect.Success", "NetStream.Play.Failed", "NetStream.Publish.BadName"], StatusCodes(ReadMessages(playing)));
    }

    public static TheoryData<string, byte[]> Malformed => new()
    {
        { "play before connect", new RtmpClientScript().Handshake(new byte[1536]).Command(1, S("play"), N(0), Amf0Value.Null, S("x")).Bytes },
        { "play on a stream never created", new RtmpClientScript().Handshake(new byte[1536]).Connect("live")
            .Command(7, S("play"), N(0), Amf0Value.Null, S("x")).Bytes },
        { "play with no transaction id", new RtmpClientScript().Handshake(new byte[1536]).Connect("live")
            .Command(0, S("createStream"), N(2), Amf0Value.Null).Command(1, S("play")).Bytes },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_play_fails_the_session_without_throwing(string name, byte[] bytes)
    {
        var session = new RtmpServerSession();
        Assert.False(session.HandleInput(new ReadOnlySequence<byte>(bytes), TimeSpan.Zero, out _), name);
        Assert.Equal(RtmpSessionState.Failed, session.State);
        Assert.False(session.TryPollEvent(out _));
    }

    [Fact]
    public void A_tag_header_split_across_chunks_reassembles()
    {
        var writer = new RtmpChunkWriter { ChunkSize = 3 };
        var output = new ArrayBufferWriter<byte>();
        writer.Write(output, 6, (byte)RtmpMessageType.Video, 0x1000000, 1, VideoTagHeader, [9, 8, 7, 6]);
        var reader = new RtmpChunkReader(RtmpLimits.Default);
        // The reader expects 128-byte chunks unless told: tell it, as the Set Chunk Size message would.
        var setChunkSize = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(setChunkSize, 3);
        var control = new ArrayBufferWriter<byte>();
        new RtmpChunkWriter().Write(control, 2, new RtmpMessage((byte)RtmpMessageType.SetChunkSize, 0, 0, setChunkSize));
        var (messages, last) = RtmpChunkTestHelper.ReadAll(reader, [.. control.WrittenSpan, .. output.WrittenSpan], 1);
        Assert.NotEqual(RtmpChunkReadStatus.Malformed, last);
        var video = messages[^1];
        Assert.Equal((0x1000000u, 1u), (video.Timestamp, video.MessageStreamId)); // extended timestamp too
        Assert.Equal([.. VideoTagHeader, 9, 8, 7, 6], video.Payload.ToArray());
    }

    private static (RtmpServerSession Session, RtmpServerEvent Request) Requested(string name)
    {
        var session = new RtmpServerSession();
        var bytes = new RtmpClientScript().Handshake(new byte[1536]).Connect("live").Play(name).Bytes;
        Assert.True(session.HandleInput(new ReadOnlySequence<byte>(bytes), TimeSpan.Zero, out _));
        Assert.True(session.TryPollEvent(out var request));
        Assert.False(session.TryPollEvent(out _));
        return (session, request);
    }

    private static (ushort Event, uint Value) UserControl(RtmpMessage message) =>
        (BinaryPrimitives.ReadUInt16BigEndian(message.Payload.Span), BinaryPrimitives.ReadUInt32BigEndian(message.Payload.Span[2..]));

    private static List<Amf0Value> Values(RtmpMessage message)
    {
        var values = new List<Amf0Value>();
        Assert.True(Amf0Value.TryReadAll(message.Payload.Span, Amf0Limits.Default, values));
        return values;
    }

    private static List<string> StatusCodes(List<RtmpMessage> messages)
    {
        var codes = new List<string>();
        foreach (var message in messages)
        {
            if (message.Type == RtmpMessageType.CommandAmf0 && Values(message) is [{ Text: "onStatus" }, _, _, var info, ..] &&
                info.TryGetProperty("code", out var code))
            {
                codes.Add(code.Text!);
            }
            else if (message.Type == RtmpMessageType.CommandAmf0 && Values(message) is [{ Text: "_result" }, _, _, var result, ..] &&
                result.TryGetProperty("code", out var connected))
            {
                codes.Add(connected.Text!);
            }
        }

        return codes;
    }

    // Everything the session sent so far (the handshake skipped), as messages; the reader follows Set Chunk Size.
    private static List<RtmpMessage> ReadMessages(RtmpServerSession session)
    {
        var bytes = new List<byte>();
        while (session.TryPollTransmit(out var data))
        {
            bytes.AddRange(data.ToArray());
        }

        var all = bytes.ToArray();
        var start = all.Length >= 3073 && all[0] == 3 ? 3073 : 0;
        var (messages, last) = RtmpChunkTestHelper.ReadAll(new RtmpChunkReader(RtmpLimits.Default), all[start..], Math.Max(1, all.Length));
        Assert.NotEqual(RtmpChunkReadStatus.Malformed, last);
        return messages;
    }
}
