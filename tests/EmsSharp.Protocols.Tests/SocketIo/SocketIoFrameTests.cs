using System.Text;
using System.Text.Json;
using EmsSharp.Protocols.SocketIo;

namespace EmsSharp.Protocols.Tests.SocketIo;

public class SocketIoFrameTests
{
    // Examples from the socket.io-spec README (protocol revision 1), "Messages".
    [Theory]
    [InlineData("0::", SocketIoFrameType.Disconnect, null, false, "", null)]
    [InlineData("0::/test", SocketIoFrameType.Disconnect, null, false, "/test", null)]
    [InlineData("1::", SocketIoFrameType.Connect, null, false, "", null)]
    [InlineData("1::/test?my=param", SocketIoFrameType.Connect, null, false, "/test?my=param", null)]
    [InlineData("2::", SocketIoFrameType.Heartbeat, null, false, "", null)]
    [InlineData("3:1::blabla", SocketIoFrameType.Message, 1L, false, "", "blabla")]
    [InlineData("4:1::{\"a\":\"b\"}", SocketIoFrameType.JsonMessage, 1L, false, "", "{\"a\":\"b\"}")]
    [InlineData("5:::{\"name\":\"stunservers\",\"args\":[[]]}", SocketIoFrameType.Event, null, false, "", "{\"name\":\"stunservers\",\"args\":[[]]}")]
    [InlineData("5:1+::{\"name\":\"join\",\"args\":[\"r\"]}", SocketIoFrameType.Event, 1L, true, "", "{\"name\":\"join\",\"args\":[\"r\"]}")]
    [InlineData("6:::4", SocketIoFrameType.Ack, null, false, "", "4")]
    [InlineData("6:::4+[\"A\",\"B\"]", SocketIoFrameType.Ack, null, false, "", "4+[\"A\",\"B\"]")]
    [InlineData("7:::1+0", SocketIoFrameType.Error, null, false, "", "1+0")]
    [InlineData("8::", SocketIoFrameType.Noop, null, false, "", null)]
    [InlineData("3:::a:b:c", SocketIoFrameType.Message, null, false, "", "a:b:c")]
    [InlineData("3:::héllo", SocketIoFrameType.Message, null, false, "", "héllo")]
    [InlineData("3:::", SocketIoFrameType.Message, null, false, "", "")]
    public void SpecExamples_RoundTrip(string text, SocketIoFrameType type, long? id, bool plus, string endpoint, string? data)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        Assert.True(SocketIoFrame.TryRead(bytes, out SocketIoFrame frame, out int consumed));
        Assert.Equal(bytes.Length, consumed);
        Assert.Equal(new SocketIoFrame(type, id, plus, endpoint, data), frame);

        Assert.Equal(bytes.Length, frame.GetSerializedLength());
        byte[] written = new byte[frame.GetSerializedLength()];
        Assert.True(frame.TryWrite(written, out int n));
        Assert.Equal(bytes, written[..n]);
        Assert.Equal(text, frame.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("1")]
    [InlineData("1:")]
    [InlineData("9::")]
    [InlineData("a::")]
    [InlineData("-1::")]
    [InlineData("1;:")]
    [InlineData("5:+::x")]
    [InlineData("5:1x::x")]
    [InlineData("5:1++::x")]
    [InlineData("5:1234567890123456::x")]
    [InlineData("{\"name\":\"join\"}")]
    [InlineData("12::")]
    public void Malformed_ReturnsFalse(string text)
    {
        Assert.False(SocketIoFrame.TryRead(Encoding.UTF8.GetBytes(text), out _, out _));
    }

    [Fact]
    public void InvalidUtf8_ReturnsFalse()
    {
        Assert.False(SocketIoFrame.TryRead([(byte)'3', (byte)':', (byte)':', (byte)':', 0xFF, 0xFE], out _, out _));
        Assert.False(SocketIoFrame.TryRead([(byte)'1', (byte)':', (byte)':', 0xC3], out _, out _));
    }

    [Fact]
    public void Oversized_ReturnsFalse()
    {
        byte[] big = Encoding.UTF8.GetBytes("3:::" + new string('x', SocketIoFrame.DefaultMaxFrameLength));
        Assert.False(SocketIoFrame.TryRead(big, out _, out _));
        Assert.True(SocketIoFrame.TryRead(big, big.Length, out _, out _));
        byte[] longEndpoint = Encoding.UTF8.GetBytes("1::/" + new string('e', SocketIoFrame.MaxEndpointLength));
        Assert.False(SocketIoFrame.TryRead(longEndpoint, out _, out _));
    }

    [Fact]
    public void TryWrite_RejectsUnrepresentableFramesAndShortBuffers()
    {
        Assert.False(new SocketIoFrame(SocketIoFrameType.Event, null, true, "", "x").TryWrite(new byte[64], out _));
        Assert.False(new SocketIoFrame(SocketIoFrameType.Connect, null, false, "/a:b", null).TryWrite(new byte[64], out _));
        Assert.False(SocketIoFrame.Heartbeat.TryWrite(new byte[2], out _));
    }

    [Fact]
    public void RandomBytes_NeverThrow()
    {
        Random random = new(1234);
        byte[] buffer = new byte[64];
        for (int i = 0; i < 20_000; i++)
        {
            int length = random.Next(buffer.Length);
            random.NextBytes(buffer.AsSpan(0, length));
            if (length > 0)
            {
                buffer[0] = (byte)('0' + random.Next(10));
            }

            if (SocketIoFrame.TryRead(buffer.AsSpan(0, length), out SocketIoFrame frame, out _))
            {
                _ = frame.ToString();
                _ = SocketIoPayload.TryParseEvent(frame.Data, out _, out _);
                _ = SocketIoPayload.TryParseAck(frame.Data, out _, out _);
            }
        }
    }

    [Fact]
    public void Event_RoundTrip()
    {
        JsonElement room = JsonSerializer.SerializeToElement("room1");
        JsonElement options = JsonSerializer.SerializeToElement(new { role = "ems", token = "", name = "evostreamms" });
        SocketIoFrame frame = SocketIoPayload.EventFrame("join", 3, room, options);
        Assert.Equal("5:3+::{\"name\":\"join\",\"args\":[\"room1\",{\"role\":\"ems\",\"token\":\"\",\"name\":\"evostreamms\"}]}", frame.ToString());
        Assert.True(SocketIoPayload.TryParseEvent(frame.Data, out string name, out JsonElement args));
        Assert.Equal("join", name);
        Assert.Equal(2, args.GetArrayLength());
        Assert.Equal("room1", args[0].GetString());
        Assert.Equal("ems", args[1].GetProperty("role").GetString());
    }

    [Fact]
    public void Ack_RoundTrip()
    {
        SocketIoFrame frame = SocketIoPayload.AckFrame(7, JsonSerializer.SerializeToElement<object?>(null),
            JsonSerializer.SerializeToElement(new { clients = new { } }));
        Assert.Equal("6:::7+[null,{\"clients\":{}}]", frame.ToString());
        Assert.True(SocketIoPayload.TryParseAck(frame.Data, out long id, out JsonElement args));
        Assert.Equal(7, id);
        Assert.Equal(JsonValueKind.Null, args[0].ValueKind);
        Assert.True(SocketIoPayload.TryParseAck("12", out id, out args));
        Assert.Equal(12, id);
        Assert.Equal(0, args.GetArrayLength());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("{\"args\":[]}")]
    [InlineData("{\"name\":1}")]
    [InlineData("{\"name\":\"x\",\"args\":{}}")]
    [InlineData("{\"name\":\"x\"")]
    [InlineData("{\"name\":\"x\",\"args\":[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]}")]
    public void MalformedEvent_ReturnsFalse(string? data)
    {
        Assert.False(SocketIoPayload.TryParseEvent(data, out _, out _));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("+[]")]
    [InlineData("x")]
    [InlineData("1+")]
    [InlineData("1+{}")]
    [InlineData("1+[")]
    [InlineData("-1")]
    [InlineData("1234567890123456")]
    public void MalformedAck_ReturnsFalse(string? data)
    {
        Assert.False(SocketIoPayload.TryParseAck(data, out _, out _));
    }

    [Fact]
    public void Heartbeat_SendsEveryIntervalAndClosesAfterSilence()
    {
        SocketIoHeartbeat heartbeat = new(TimeSpan.FromSeconds(25), TimeSpan.FromSeconds(60), TimeSpan.Zero);
        Assert.Equal(TimeSpan.FromSeconds(25), heartbeat.NextTimeout);
        Assert.Equal(SocketIoHeartbeatAction.None, heartbeat.HandleTimeout(TimeSpan.FromSeconds(10)));
        Assert.Equal(SocketIoHeartbeatAction.SendHeartbeat, heartbeat.HandleTimeout(TimeSpan.FromSeconds(25)));
        Assert.Equal(TimeSpan.FromSeconds(50), heartbeat.NextTimeout);
        heartbeat.OnReceived(TimeSpan.FromSeconds(26));
        Assert.Equal(SocketIoHeartbeatAction.SendHeartbeat, heartbeat.HandleTimeout(TimeSpan.FromSeconds(50)));
        Assert.Equal(TimeSpan.FromSeconds(75), heartbeat.NextTimeout);
        Assert.Equal(SocketIoHeartbeatAction.SendHeartbeat, heartbeat.HandleTimeout(TimeSpan.FromSeconds(75)));
        Assert.Equal(TimeSpan.FromSeconds(86), heartbeat.NextTimeout);
        Assert.Equal(SocketIoHeartbeatAction.Close, heartbeat.HandleTimeout(TimeSpan.FromSeconds(86)));
    }

    [Fact]
    public void Heartbeat_ClientOnlyWatchesSilence()
    {
        SocketIoHeartbeat heartbeat = new(null, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(5));
        Assert.Equal(TimeSpan.FromSeconds(65), heartbeat.NextTimeout);
        Assert.Equal(SocketIoHeartbeatAction.None, heartbeat.HandleTimeout(TimeSpan.FromSeconds(64)));
        Assert.Equal(SocketIoHeartbeatAction.Close, heartbeat.HandleTimeout(TimeSpan.FromSeconds(65)));
    }
}
