using System.Buffers;
using System.Buffers.Binary;
using EmsSharp.Protocols.Rtmp.Amf0;

namespace EmsSharp.Protocols.Rtmp;

/// <summary>
/// Sans-IO play side of RTMP (Adobe RTMP 1.0): simple handshake (§5.2: C0+C1, then C2 echoing S1), then
/// <c>connect</c> → <c>createStream</c> → <c>play</c> (§7.2.1.1, §7.2.1.3, §7.2.2.1), and the audio/video
/// messages as events once play was sent (servers differ in the message stream id they use, so any is taken:
/// a play session carries one stream). Answers pings and acknowledges the server's window (§5.4.3).
/// </summary>
public sealed class RtmpClientSession
{
    private const uint CommandChunkStream = 3;
    private const uint ControlChunkStream = 2;
    private const uint PlayChunkStream = 8;
    private const double ConnectTransaction = 1;
    private const double CreateStreamTransaction = 2;

    private readonly string _app;
    private readonly string _tcUrl;
    private readonly string _streamName;
    private readonly RtmpChunkReader _reader;
    private readonly RtmpChunkWriter _writer = new();
    private readonly ArrayBufferWriter<byte> _output = new(4096);
    private readonly Queue<RtmpClientEvent> _events = new();
    private readonly List<Amf0Value> _values = [];
    private bool _transmitTaken;
    private bool _handshakeDone;
    private uint _streamId;
    private long _bytesReceived;
    private long _lastAcknowledged;
    private uint _peerWindow;

    /// <summary>Creates a session that will play <paramref name="streamName"/> of application <paramref name="app"/>.</summary>
    public RtmpClientSession(string app, string tcUrl, string streamName, RtmpLimits? limits = null)
    {
        _app = app;
        _tcUrl = tcUrl;
        _streamName = streamName;
        _reader = new RtmpChunkReader(limits ?? RtmpLimits.Default);
    }

    /// <summary>Why the session failed, once <see cref="HandleInput"/> returned false.</summary>
    public string? Error { get; private set; }

    /// <summary>Queues C0 and C1 (§5.2.2, §5.2.3: time, zero, then 1528 arbitrary bytes).</summary>
    public void Start(TimeSpan now)
    {
        ReleaseTaken();
        var c0c1 = _output.GetSpan(1 + RtmpHandshake.PacketSize)[..(1 + RtmpHandshake.PacketSize)];
        c0c1.Clear();
        c0c1[0] = RtmpHandshake.Version;
        BinaryPrimitives.WriteUInt32BigEndian(c0c1[1..], (uint)(long)now.TotalMilliseconds);
        for (int i = 9; i < c0c1.Length; i++)
        {
            c0c1[i] = (byte)(i * 31);
        }

        _output.Advance(1 + RtmpHandshake.PacketSize);
    }

    /// <summary>Consumes whole handshake packets and chunks; false on a protocol violation or a refused play.</summary>
    public bool HandleInput(ReadOnlySequence<byte> input, out SequencePosition consumed)
    {
        ReleaseTaken();
        var reader = new SequenceReader<byte>(input);
        var ok = Error is null && HandleInputCore(ref reader);
        consumed = reader.Position;
        _bytesReceived += reader.Consumed;
        if (ok && _peerWindow != 0 && _bytesReceived - _lastAcknowledged >= _peerWindow)
        {
            // §5.4.3: acknowledge with the number of bytes received so far.
            _lastAcknowledged = _bytesReceived;
            Span<byte> body = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(body, (uint)_bytesReceived);
            WriteControl(RtmpMessageType.Acknowledgement, body);
        }

        return ok;
    }

    /// <summary>Yields the bytes to send; valid until the next call on this session (which releases them).</summary>
    public bool TryPollTransmit(out ReadOnlyMemory<byte> data)
    {
        ReleaseTaken();
        data = _output.WrittenMemory;
        _transmitTaken = data.Length > 0;
        return _transmitTaken;
    }

    /// <summary>Yields the next event, if any.</summary>
    public bool TryPollEvent(out RtmpClientEvent clientEvent) => _events.TryDequeue(out clientEvent);

    private bool HandleInputCore(ref SequenceReader<byte> reader)
    {
        if (!_handshakeDone)
        {
            // §5.2.4: S0 (version), S1, S2; C2 echoes S1.
            if (reader.Remaining < 1 + (2 * RtmpHandshake.PacketSize))
            {
                return true;
            }

            if (!reader.TryRead(out var version) || version != RtmpHandshake.Version)
            {
                return Fail("bad S0 version");
            }

            var c2 = _output.GetSpan(RtmpHandshake.PacketSize)[..RtmpHandshake.PacketSize];
            reader.TryCopyTo(c2);
            _output.Advance(RtmpHandshake.PacketSize);
            reader.Advance(2 * RtmpHandshake.PacketSize);
            _handshakeDone = true;
            WriteCommand(0, "connect", ConnectTransaction, Amf0Value.FromObject(
            [
                new("app", Amf0Value.FromString(_app)),
                new("flashVer", Amf0Value.FromString("LNX 9,0,124,2")),
                new("tcUrl", Amf0Value.FromString(_tcUrl)),
                new("fpad", Amf0Value.FromBoolean(false)),
                new("capabilities", Amf0Value.FromNumber(15)),
                new("audioCodecs", Amf0Value.FromNumber(4071)),
                new("videoCodecs", Amf0Value.FromNumber(252)),
                new("videoFunction", Amf0Value.FromNumber(1)),
            ]));
        }

        while (true)
        {
            switch (_reader.TryReadChunk(ref reader, out var message))
            {
                case RtmpChunkReadStatus.NeedMoreData:
                    return true;
                case RtmpChunkReadStatus.ChunkConsumed:
                    break;
                case RtmpChunkReadStatus.MessageComplete:
                    if (!HandleMessage(message))
                    {
                        return false;
                    }

                    break;
                default:
                    return Fail("malformed chunk stream");
            }
        }
    }

    private bool HandleMessage(in RtmpMessage message)
    {
        var body = message.Payload.Span;
        switch (message.Type)
        {
            case RtmpMessageType.WindowAcknowledgementSize when body.Length >= 4:
                _peerWindow = BinaryPrimitives.ReadUInt32BigEndian(body);
                return true;
            case RtmpMessageType.UserControl when body.Length >= 6 && BinaryPrimitives.ReadUInt16BigEndian(body) == 6:
                {
                    // §7.1.7 PingRequest → PingResponse with the same timestamp.
                    Span<byte> pong = stackalloc byte[6];
                    BinaryPrimitives.WriteUInt16BigEndian(pong, 7);
                    body.Slice(2, 4).CopyTo(pong[2..]);
                    WriteControl(RtmpMessageType.UserControl, pong);
                    return true;
                }

            case RtmpMessageType.CommandAmf0:
            case RtmpMessageType.CommandAmf3:
                return HandleCommand(message.Type == RtmpMessageType.CommandAmf3 && body.Length > 0 ? body[1..] : body);
            case RtmpMessageType.DataAmf0:
                _values.Clear();
                if (Amf0Value.TryReadAll(body, Amf0Limits.Default, _values) && _values.Count >= 2 &&
                    _values[0].Type == Amf0Type.String && _values[0].Text is "onMetaData" or "@setDataFrame")
                {
                    _events.Enqueue(new RtmpClientEvent(RtmpClientEventKind.Metadata, message.Timestamp, default, _values[^1]));
                }

                return true;
            case RtmpMessageType.Audio or RtmpMessageType.Video when _streamId != 0 && body.Length > 0:
                var kind = message.Type == RtmpMessageType.Video ? RtmpClientEventKind.Video : RtmpClientEventKind.Audio;
                _events.Enqueue(new RtmpClientEvent(kind, message.Timestamp, message.Payload, default));
                return true;
            default:
                return true;
        }
    }

    private bool HandleCommand(ReadOnlySpan<byte> body)
    {
        _values.Clear();
        if (!Amf0Value.TryReadAll(body, Amf0Limits.Default, _values) || _values.Count < 2 || _values[0].Type != Amf0Type.String)
        {
            return Fail("malformed command");
        }

        var name = _values[0].Text;
        var transaction = _values[1].Type == Amf0Type.Number ? _values[1].Number : -1;
        switch (name)
        {
            case "_result" when transaction == ConnectTransaction:
                WriteCommand(0, "createStream", CreateStreamTransaction, Amf0Value.Null);
                return true;
            case "_result" when transaction == CreateStreamTransaction:
                if (_values.Count < 4 || _values[3].Type != Amf0Type.Number || _values[3].Number is < 1 or > 65535)
                {
                    return Fail("createStream answered without a stream id");
                }

                _streamId = (uint)_values[3].Number;
                // §7.2.2.1 play: name, start -2 (live, else recorded).
                WriteCommand(_streamId, "play", 0, Amf0Value.Null, Amf0Value.FromString(_streamName), Amf0Value.FromNumber(-2));
                return true;
            case "_error":
                return Fail("the server refused " + (transaction == ConnectTransaction ? "connect" : "createStream"));
            case "onStatus":
                {
                    var info = _values.Count >= 4 ? _values[3] : Amf0Value.Null;
                    var code = info.TryGetProperty("code", out var c) && c.Type == Amf0Type.String ? c.Text : "";
                    var level = info.TryGetProperty("level", out var l) && l.Type == Amf0Type.String ? l.Text : "";
                    if (level == "error" || code is "NetStream.Play.StreamNotFound" or "NetStream.Play.Failed")
                    {
                        return Fail("play refused: " + code);
                    }

                    if (code == "NetStream.Play.Start")
                    {
                        _events.Enqueue(new RtmpClientEvent(RtmpClientEventKind.Playing, 0, default, default));
                    }

                    return true;
                }

            default:
                return true; // onBWDone, |RtmpSampleAccess, ...
        }
    }

    private void WriteCommand(uint messageStreamId, string name, double transaction, params ReadOnlySpan<Amf0Value> arguments)
    {
        var values = new Amf0Value[2 + arguments.Length];
        values[0] = Amf0Value.FromString(name);
        values[1] = Amf0Value.FromNumber(transaction);
        arguments.CopyTo(values.AsSpan(2));
        var chunkStream = messageStreamId == 0 ? CommandChunkStream : PlayChunkStream;
        _writer.Write(_output, chunkStream, new RtmpMessage((byte)RtmpMessageType.CommandAmf0, 0, messageStreamId, Amf0Value.WriteAll(values)));
    }

    private void WriteControl(RtmpMessageType type, ReadOnlySpan<byte> body) =>
        _writer.Write(_output, ControlChunkStream, new RtmpMessage((byte)type, 0, 0, body.ToArray()));

    // Output handed out by TryPollTransmit is dropped at the next call, whichever it is.
    private void ReleaseTaken()
    {
        if (_transmitTaken)
        {
            _output.ResetWrittenCount();
            _transmitTaken = false;
        }
    }

    private bool Fail(string reason)
    {
        Error = reason;
        return false;
    }
}
