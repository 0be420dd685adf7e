using System.Buffers;
using System.Buffers.Binary;
using EmsSharp.Protocols.Rtmp;
using EmsSharp.Protocols.Rtmp.Amf0;

namespace EmsSharp.Protocols.Tests.Rtmp;

/// <summary>Builds the bytes a publishing encoder or a player sends (as ffmpeg/OBS do), for in-memory session tests.</summary>
internal sealed class RtmpClientScript
{
    private readonly RtmpChunkWriter _writer = new();
    private readonly ArrayBufferWriter<byte> _output = new();

    public byte[] Bytes => _output.WrittenSpan.ToArray();

    public RtmpClientScript Handshake(byte[] c1)
    {
        _output.Write([(byte)3]);
        _output.Write(c1);
        _output.Write(new byte[RtmpHandshake.PacketSize]); // C2
        return this;
    }

    public RtmpClientScript SetChunkSize(int size)
    {
        var body = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(body, (uint)size);
        _writer.Write(_output, 2, new RtmpMessage((byte)RtmpMessageType.SetChunkSize, 0, 0, body));
        _writer.ChunkSize = size;
        return this;
    }

    public RtmpClientScript Command(uint streamId, params Amf0Value[] values) =>
        Message(RtmpMessageType.CommandAmf0, streamId, 0, Amf0Value.WriteAll(values));

    public RtmpClientScript Data(uint streamId, params Amf0Value[] values) =>
        Message(RtmpMessageType.DataAmf0, streamId, 0, Amf0Value.WriteAll(values));

    public RtmpClientScript Message(RtmpMessageType type, uint streamId, uint timestamp, byte[] payload)
    {
        var chunkStream = type switch
        {
            RtmpMessageType.Video => 6u,
            RtmpMessageType.Audio => 4u,
            _ => 3u,
        };
        _writer.Write(_output, chunkStream, new RtmpMessage((byte)type, timestamp, streamId, payload));
        return this;
    }

    public RtmpClientScript Connect(string app) => Command(0, S("connect"), N(1),
        Amf0Value.FromObject([new("app", S(app)), new("type", S("nonprivate")), new("tcUrl", S("rtmp://127.0.0.1/" + app))]));

    public RtmpClientScript Publish(string name) =>
        Command(0, S("releaseStream"), N(2), Amf0Value.Null, S(name))
            .Command(0, S("FCPublish"), N(3), Amf0Value.Null, S(name))
            .Command(0, S("createStream"), N(4), Amf0Value.Null)
            .Command(1, S("publish"), N(5), Amf0Value.Null, S(name), S("live"));

    /// <summary>What ffmpeg sends to play: createStream, getStreamLength, then play(name, -2 = live or recorded) on stream 1.</summary>
    public RtmpClientScript Play(string name) =>
        Command(0, S("createStream"), N(2), Amf0Value.Null)
            .Command(0, S("getStreamLength"), N(3), Amf0Value.Null, S(name))
            .Command(1, S("play"), N(4), Amf0Value.Null, S(name), N(-2));

    public static Amf0Value S(string text) => Amf0Value.FromString(text);

    public static Amf0Value N(double number) => Amf0Value.FromNumber(number);
}
