using System.Buffers;
using EmsSharp.Protocols.Rtmp;
using EmsSharp.Protocols.Rtmp.Amf0;
using static EmsSharp.Protocols.Tests.Rtmp.RtmpClientScript;

namespace EmsSharp.Protocols.Tests.Rtmp;

public class RtmpServerSessionTests
{
    private static readonly byte[] AvcSequenceHeader = [0x17, 0, 0, 0, 0, 1, 0x42, 0, 0x1E, 0xFF, 0xE1, 0, 0];

    [Fact]
    public void Publisher_gets_publish_start_and_its_media_become_events()
    {
        var session = new RtmpServerSession();
        var script = new RtmpClientScript()
            .Handshake(RtmpHandshakeTests.DigestC1(1))
            .SetChunkSize(4096)
            .Connect("live")
            .Publish("cam?token=1")
            .Data(1, S("@setDataFrame"), S("onMetaData"), Amf0Value.FromEcmaArray([new("width", N(640)), new("height", N(360))]))
            .Message(RtmpMessageType.Video, 1, 0, AvcSequenceHeader)
            .Message(RtmpMessageType.Audio, 1, 0, [0xAF, 0, 0x11, 0x90])
            .Message(RtmpMessageType.Video, 1, 33, new byte[6000]);
        var bytes = script.Bytes;

        // Handshake answered after C0+C1 alone.
        Assert.True(session.HandleInput(new ReadOnlySequence<byte>(bytes, 0, 1537), TimeSpan.Zero, out var consumed));
        Assert.Equal(1537, new ReadOnlySequence<byte>(bytes, 0, 1537).Slice(0, consumed).Length);
        Assert.True(session.TryPollTransmit(out var s0s1s2));
        Assert.Equal(1 + 3072, s0s1s2.Length);
        Assert.False(session.TryPollTransmit(out _));

        Assert.True(session.HandleInput(new ReadOnlySequence<byte>(bytes, 1537, bytes.Length - 1537), TimeSpan.Zero, out _));
        Assert.Equal(RtmpSessionState.Open, session.State);
        Assert.Equal("live", session.App);
        Assert.True(session.TryPollEvent(out var request));
        // The name as the publisher sent it, query included (a stream key rides there); the driver splits it.
        Assert.Equal((RtmpServerEventKind.PublishRequested, 1u, "cam?token=1"), (request.Kind, request.MessageStreamId, request.StreamName));
        Assert.False(session.TryPollEvent(out _)); // media before acceptance is not reported

        session.AcceptPublish(1, "cam");
        var replies = ReadReplies(session);
        Assert.Contains("NetConnection.Connect.Success", replies);
        Assert.Contains("NetStream.Publish.Start", replies);

        var tail = script.Bytes.Length;
        script.Data(1, S("@setDataFrame"), S("onMetaData"), Amf0Value.FromEcmaArray([new("width", N(640))]))
            .Message(RtmpMessageType.Video, 1, 66, AvcSequenceHeader)
            .Message(RtmpMessageType.Audio, 1, 70, [0xAF, 1, 0x21])
            .Command(0, S("FCUnpublish"), N(6), Amf0Value.Null, S("cam"))
            .Command(0, S("deleteStream"), N(7), Amf0Value.Null, N(1));
        var next = script.Bytes[tail..];
        Assert.True(session.HandleInput(new ReadOnlySequence<byte>(next), TimeSpan.Zero, out _));
        var kinds = new List<RtmpServerEventKind>();
        while (session.TryPollEvent(out var e))
        {
            kinds.Add(e.Kind);
            if (e.Kind == RtmpServerEventKind.Metadata)
            {
                Assert.True(e.Metadata.TryGetProperty("width", out var width));
                Assert.Equal(640, width.Number);
            }

            if (e.Kind == RtmpServerEventKind.Audio)
            {
                Assert.Equal(70u, e.Timestamp);
                Assert.Equal([0xAF, 1, 0x21], e.Payload.ToArray());
            }
        }

        Assert.Equal(
            [RtmpServerEventKind.Metadata, RtmpServerEventKind.Video, RtmpServerEventKind.Audio, RtmpServerEventKind.Unpublished],
            kinds);
    }

    [Fact]
    public void Rejected_publish_gets_bad_name()
    {
        var session = new RtmpServerSession();
        var bytes = new RtmpClientScript().Handshake(new byte[1536]).Connect("app").Publish("taken").Bytes;
        Assert.True(session.HandleInput(new ReadOnlySequence<byte>(bytes), TimeSpan.Zero, out _));
        Assert.True(session.TryPollEvent(out var request));
        session.RejectPublish(request.MessageStreamId, "live elsewhere");
        var replies = ReadReplies(session);
        Assert.Contains("NetStream.Publish.BadName", replies);
        Assert.DoesNotContain("NetStream.Publish.Start", replies);
    }

    public static TheoryData<string, byte[]> Garbage => new()
    {
        { "HTTP request", "GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray() },
        { "version 6 (RTMPE)", [6, .. new byte[1536]] },
        { "chunk garbage after the handshake", [3, .. new byte[1536], .. new byte[1536], 0xC3, 1, 2, 3] },
        { "publish before connect", new RtmpClientScript().Handshake(new byte[1536]).Command(1, S("publish"), N(5), Amf0Value.Null, S("x")).Bytes },
        { "command that is not AMF0", [3, .. new byte[3072], 0x03, 0, 0, 0, 0, 0, 2, 20, 0, 0, 0, 0, 0x11, 0x11] },
    };

    [Theory]
    [MemberData(nameof(Garbage))]
    public void Garbage_fails_the_session_without_throwing(string name, byte[] bytes)
    {
        var session = new RtmpServerSession();
        Assert.False(session.HandleInput(new ReadOnlySequence<byte>(bytes), TimeSpan.Zero, out _), name);
        Assert.Equal(RtmpSessionState.Failed, session.State);
        Assert.NotNull(session.Error);
        Assert.False(session.HandleInput(new ReadOnlySequence<byte>(bytes), TimeSpan.Zero, out _));
    }

    [Fact]
    public void Window_acknowledgement_and_ping_are_answered()
    {
        var session = new RtmpServerSession();
        var bytes = new RtmpClientScript().Handshake(new byte[1536])
            .Message(RtmpMessageType.WindowAcknowledgementSize, 0, 0, [0, 0, 0x10, 0])
            .Message(RtmpMessageType.UserControl, 0, 0, [0, 6, 0, 0, 0, 42])
            .Message(RtmpMessageType.Video, 0, 0, new byte[5000])
            .Bytes;
        Assert.True(session.HandleInput(new ReadOnlySequence<byte>(bytes), TimeSpan.Zero, out _));
        var messages = ReadMessages(session, skipHandshake: true);
        Assert.Contains(messages, m => m.Type == RtmpMessageType.UserControl && m.Payload.Span[1] == 7 && m.Payload.Span[5] == 42);
        Assert.Contains(messages, m => m.Type == RtmpMessageType.Acknowledgement);
    }

    private static string ReadReplies(RtmpServerSession session)
    {
        var text = new List<string>();
        foreach (var message in ReadMessages(session, skipHandshake: true))
        {
            if (message.Type != RtmpMessageType.CommandAmf0)
            {
                continue;
            }

            var values = new List<Amf0Value>();
            Assert.True(Amf0Value.TryReadAll(message.Payload.Span, Amf0Limits.Default, values));
            foreach (var value in values)
            {
                if (value.TryGetProperty("code", out var code))
                {
                    text.Add(code.Text!);
                }
            }
        }

        return string.Join(",", text);
    }

    private static List<RtmpMessage> ReadMessages(RtmpServerSession session, bool skipHandshake)
    {
        var bytes = new List<byte>();
        while (session.TryPollTransmit(out var data))
        {
            bytes.AddRange(data.ToArray());
        }

        var all = bytes.ToArray();
        var start = skipHandshake && all.Length > 0 && all[0] == 3 && all.Length >= 3073 ? 3073 : 0;
        var (messages, last) = RtmpChunkTestHelper.ReadAll(new RtmpChunkReader(RtmpLimits.Default), all[start..], Math.Max(1, all.Length));
        Assert.NotEqual(RtmpChunkReadStatus.Malformed, last);
        return messages;
    }
}
