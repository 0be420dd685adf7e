using System.Text;
using EmsSharp.Protocols.Rtsp;

namespace EmsSharp.Protocols.Tests.Rtsp;

public class RtspMessageTests
{
    // RFC 2326 §14.3 (ANNOUNCE) shape: a request with an SDP body.
    private const string Announce =
        "ANNOUNCE rtsp://server.example.com/fizzle/foo RTSP/1.0\r\n" +
        "CSeq: 312\r\n" +
        "Date: 23 Jan 1997 15:35:06 GMT\r\n" +
        "Session: 47112344\r\n" +
        "Content-Type: application/sdp\r\n" +
        "Content-Length: 36\r\n" +
        "\r\n" +
        "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=x\r\n";

    public static TheoryData<string> RoundTrips =>
    [
        Announce,
        "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n",
        "RTSP/1.0 200 OK\r\nCSeq: 1\r\nPublic: DESCRIBE, SETUP, TEARDOWN, PLAY, PAUSE\r\n\r\n",
        "RTSP/1.0 461 Unsupported Transport\r\nCSeq: 7\r\n\r\n",
        "SETUP rtsp://h/s/streamid=0 RTSP/1.0\r\nCSeq: 3\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1;mode=record\r\n\r\n",
    ];

    [Theory]
    [MemberData(nameof(RoundTrips))]
    public void Parse_then_write_gives_the_same_bytes(string text)
    {
        var bytes = Encoding.ASCII.GetBytes(text);
        Assert.True(RtspMessage.TryRead(bytes, out var message, out var consumed));
        Assert.Equal(bytes.Length, consumed);
        Assert.Equal(bytes.Length, message.GetSerializedLength());
        Assert.Equal(text, Encoding.ASCII.GetString(message.ToArray()));
    }

    [Fact]
    public void Announce_fields_are_read()
    {
        Assert.True(RtspMessage.TryRead(Encoding.ASCII.GetBytes(Announce), out var message, out _));
        Assert.True(message.IsRequest);
        Assert.Equal(("ANNOUNCE", "rtsp://server.example.com/fizzle/foo", 312), (message.Method, message.Uri, message.CSeq));
        Assert.Equal("application/sdp", message.GetHeader("content-type"));
        Assert.Equal(36, message.Body.Length);
    }

    [Fact]
    public void Every_prefix_needs_more_and_a_frame_follows_a_message()
    {
        var message = Encoding.ASCII.GetBytes(Announce);
        byte[] input = [.. message, (byte)'$', 1, 0, 3, 0xAA, 0xBB, 0xCC];
        for (int i = 0; i < message.Length; i++)
        {
            Assert.Equal(RtspReadStatus.NeedMore, RtspStreamParser.Read(input.AsSpan(0, i), RtspLimits.Default, out _, out _, out _));
        }

        Assert.Equal(RtspReadStatus.Message, RtspStreamParser.Read(input, RtspLimits.Default, out _, out _, out var consumed));
        var rest = input.AsSpan(consumed);
        Assert.Equal(RtspReadStatus.NeedMore, RtspStreamParser.Read(rest[..6], RtspLimits.Default, out _, out _, out _));
        Assert.Equal(RtspReadStatus.InterleavedFrame, RtspStreamParser.Read(rest, RtspLimits.Default, out _, out var frame, out var frameLength));
        Assert.Equal(((byte)1, 3, 7), (frame.Channel, frame.Length, frameLength));
        Assert.Equal([0xAA, 0xBB, 0xCC], rest.Slice(RtspInterleavedFrame.HeaderLength, frame.Length).ToArray());
    }

    [Fact]
    public void Interleaved_frame_header_round_trips()
    {
        var frame = new RtspInterleavedFrame(3, 1400);
        var bytes = new byte[frame.GetSerializedLength()];
        Assert.True(frame.TryWrite(bytes, out var written));
        Assert.Equal(4, written);
        Assert.True(RtspInterleavedFrame.TryRead(bytes, out var read, out var consumed));
        Assert.Equal((frame, 1404), (read, consumed));
    }

    public static TheoryData<string, string> Malformed => new()
    {
        { "binary", "\u0001\u0002garbage\r\n\r\n" },
        { "no version", "OPTIONS rtsp://h/ HTTP/1.1\r\nCSeq: 1\r\n\r\n" },
        { "two spaces in uri", "OPTIONS rtsp://h/ x RTSP/1.0\r\n\r\n" },
        { "short status", "RTSP/1.0 20 OK\r\n\r\n" },
        { "status letters", "RTSP/1.0 2x0 OK\r\n\r\n" },
        { "negative length", "OPTIONS * RTSP/1.0\r\nContent-Length: -5\r\n\r\n" },
        { "hex length", "OPTIONS * RTSP/1.0\r\nContent-Length: 0x10\r\n\r\n" },
        { "two lengths", "OPTIONS * RTSP/1.0\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx" },
        { "huge length", "OPTIONS * RTSP/1.0\r\nContent-Length: 999999999\r\n\r\n" },
        { "no colon", "OPTIONS * RTSP/1.0\r\nCSeq 1\r\n\r\n" },
        { "folded header", "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n continued\r\n\r\n" },
        { "bare LF in header", "OPTIONS * RTSP/1.0\r\nCSeq: 1\nX: y\r\n\r\n" },
        { "control char", "OPTIONS * RTSP/1.0\r\nCSeq: \u00071\r\n\r\n" },
        { "separator in method", "OPT(ONS * RTSP/1.0\r\n\r\n" },
        { "non-ascii", "OPTIONS * RTSP/1.0\r\nX: \u00e9\r\n\r\n" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_input_is_invalid_and_never_throws(string name, string text)
    {
        var bytes = Encoding.Latin1.GetBytes(text);
        Assert.True(RtspReadStatus.Invalid == RtspStreamParser.Read(bytes, RtspLimits.Default, out _, out _, out _), name);
        Assert.False(RtspMessage.TryRead(bytes, out _, out _));
    }

    [Fact]
    public void Header_block_over_the_limit_is_invalid_before_its_end_arrives()
    {
        var limits = new RtspLimits { MaxHeaderBytes = 256 };
        var bytes = Encoding.ASCII.GetBytes("OPTIONS * RTSP/1.0\r\nX: " + new string('a', 300));
        Assert.Equal(RtspReadStatus.Invalid, RtspStreamParser.Read(bytes, limits, out _, out _, out _));
    }

    [Fact]
    public void Too_many_headers_are_invalid()
    {
        var text = new StringBuilder("OPTIONS * RTSP/1.0\r\n");
        for (int i = 0; i < 10; i++)
        {
            text.Append("X: 1\r\n");
        }

        var limits = new RtspLimits { MaxHeaderCount = 8 };
        Assert.Equal(RtspReadStatus.Invalid, RtspStreamParser.Read(Encoding.ASCII.GetBytes(text.Append("\r\n").ToString()), limits, out _, out _, out _));
    }
}
