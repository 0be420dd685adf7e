using System.Buffers;
using System.Buffers.Binary;
using EmsSharp.Protocols.Rtmp.Amf0;

namespace EmsSharp.Protocols.Rtmp;

/// <summary>
/// Sans-IO client side of RTMP (Adobe RTMP 1.0): simple handshake (§5.2: C0+C1, then C2 echoing S1), then
/// <c>connect</c> → <c>createStream</c> (§7.2.1.1, §7.2.1.3) and either
/// <list type="bullet">
/// <item><c>play</c> (§7.2.2.1), with the audio/video messages as events once play was sent (servers differ in the
/// message stream id they use, so any is taken: a play session carries one stream); or</item>
/// <item>in publish mode (<see cref="RtmpPublishOptions"/>), <c>releaseStream</c>/<c>FCPublish</c> (as FMLE and ffmpeg send
/// them) and <c>publish</c> (§7.2.2.6); once the server answers <c>NetStream.Publish.Start</c> the caller sends
/// <see cref="WriteMetadata"/> and media (<see cref="IRtmpMediaSink"/>). A Set Chunk Size (§5.4.1) may go first.</item>
/// </list>
/// Answers pings and acknowledges the server's window (§5.4.3).
/// </summary>
public sealed class RtmpClientSession : IRtmpMediaSink
{
    private const uint CommandChunkStream = 3;
    private const uint ControlChunkStream = 2;
    private const uint PlayChunkStream = 8;
    private const uint AudioChunkStream = 4;
    private const uint VideoChunkStream = 6;
    private const double ConnectTransaction = 1;
    private const double CreateStreamTransaction = 2;
    private const double ReleaseStreamTransaction = 3;
    private const double FcPublishTransaction = 4;

    private readonly string _app;
    private readonly string _tcUrl;
    private readonly string _streamName;
    private readonly RtmpPublishOptions? _publish;
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
        : this(app, tcUrl, streamName, null, limits)
    {
    }

    /// <summary>
    /// Creates a session that will publish <paramref name="streamName"/> to application <paramref name="app"/> as
    /// <paramref name="publish"/> says (or play it, when <paramref name="publish"/> is null).
    /// </summary>
    public RtmpClientSession(string app, string tcUrl, string streamName, RtmpPublishOptions? publish, RtmpLimits? limits = null)
    {
        if (publish is not null && !RtmpPublishOptions.IsValidType(publish.Type))
        {
            throw new ArgumentException("The publishing type must be live, record or append (§7.2.2.6).", nameof(publish));
        }

        _app = app;
        _tcUrl = tcUrl;
        _streamName = streamName;
        _publish = publish;
        _reader = new RtmpChunkReader(limits ?? RtmpLimits.Default);
    }

    /// <summary>Whether the server answered publish with <c>NetStream.Publish.Start</c>: media may be written.</summary>
    public bool IsPublishing { get; private set; }

    /// <summary>The message stream createStream gave (0 before).</summary>
    public uint MessageStreamId => _streamId;

    /// <inheritdoc/>
    public int PendingTransmitBytes => _transmitTaken ? 0 : _output.WrittenCount;

    /// <summary>
    /// Sends <c>@setDataFrame("onMetaData", metadata)</c> on the publishing stream, as encoders do, so the server keeps it
    /// for its players (a data message, §7.1.2).
    /// </summary>
    public void WriteMetadata(Amf0Value metadata)
    {
        RequirePublishing(_streamId);
        _writer.Write(_output, PlayChunkStream, new RtmpMessage((byte)RtmpMessageType.DataAmf0, 0, _streamId,
            Amf0Value.WriteAll([Amf0Value.FromString("@setDataFrame"), Amf0Value.FromString("onMetaData"), metadata])));
    }

    /// <inheritdoc/>
    public void WriteVideo(uint messageStreamId, uint timestamp, ReadOnlySpan<byte> tagHeader, ReadOnlySpan<byte> body)
    {
        RequirePublishing(messageStreamId);
        _writer.Write(_output, VideoChunkStream, (byte)RtmpMessageType.Video, timestamp, messageStreamId, tagHeader, body);
    }

    /// <inheritdoc/>
    public void WriteAudio(uint messageStreamId, uint timestamp, ReadOnlySpan<byte> tagHeader, ReadOnlySpan<byte> body)
    {
        RequirePublishing(messageStreamId);
        _writer.Write(_output, AudioChunkStream, (byte)RtmpMessageType.Audio, timestamp, messageStreamId, tagHeader, body);
    }

    /// <summary>
    /// Ends publishing politely before the connection closes: <c>FCUnpublish</c> and <c>deleteStream</c> (§7.2.2.3), as
    /// encoders do, so the server ends the stream at once instead of on the closed socket. Nothing when not publishing.
    /// </summary>
    public void Unpublish()
    {
        if (!IsPublishing)
        {
            return;
        }

        ReleaseTaken();
        IsPublishing = false;
        WriteCommand(0, "FCUnpublish", 0, Amf0Value.Null, Amf0Value.FromString(_streamName));
        WriteCommand(0, "deleteStream", 0, Amf0Value.Null, Amf0Value.FromNumber(_streamId));
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
            WriteConnect();
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

    // §7.2.1.1. A publisher first raises its outgoing chunk size (§5.4.1: the size applies to every chunk sent after it),
    // then announces itself as FMLE does (flashVer, type nonprivate), without the player's codec capabilities.
    private void WriteConnect()
    {
        if (_publish is null)
        {
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
            return;
        }

        if (_publish.ChunkSize > 128)
        {
            Span<byte> size = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(size, (uint)Math.Min(_publish.ChunkSize, 0x7FFFFFFF)); // §5.4.1: bit 31 is 0
            WriteControl(RtmpMessageType.SetChunkSize, size);
            _writer.ChunkSize = _publish.ChunkSize;
        }

        var properties = new List<KeyValuePair<string, Amf0Value>>
        {
            new("app", Amf0Value.FromString(_app)),
            new("type", Amf0Value.FromString("nonprivate")),
            new("flashVer", Amf0Value.FromString(_publish.FlashVersion)),
            new("tcUrl", Amf0Value.FromString(_tcUrl)),
        };
        if (!string.IsNullOrEmpty(_publish.SwfUrl))
        {
            properties.Add(new("swfUrl", Amf0Value.FromString(_publish.SwfUrl)));
        }

        if (!string.IsNullOrEmpty(_publish.PageUrl))
        {
            properties.Add(new("pageUrl", Amf0Value.FromString(_publish.PageUrl)));
        }

        WriteCommand(0, "connect", ConnectTransaction, Amf0Value.FromObject([.. properties]));
    }

    private void RequirePublishing(uint messageStreamId)
    {
        if (!IsPublishing || messageStreamId != _streamId)
        {
            throw new InvalidOperationException($"Message stream {messageStreamId} is not publishing.");
        }

        ReleaseTaken();
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
            case RtmpMessageType.Audio or RtmpMessageType.Video when _publish is null && _streamId != 0 && body.Length > 0:
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
                if (_publish is not null)
                {
                    // Not in RTMP 1.0, but FMS-style servers (and EvoStream, Wowza, nginx-rtmp) expect them before publish.
                    WriteCommand(0, "releaseStream", ReleaseStreamTransaction, Amf0Value.Null, Amf0Value.FromString(_streamName));
                    WriteCommand(0, "FCPublish", FcPublishTransaction, Amf0Value.Null, Amf0Value.FromString(_streamName));
                }

                WriteCommand(0, "createStream", CreateStreamTransaction, Amf0Value.Null);
                return true;
            case "_result" when transaction == CreateStreamTransaction:
                if (_values.Count < 4 || _values[3].Type != Amf0Type.Number || _values[3].Number is < 1 or > 65535)
                {
                    return Fail("createStream answered without a stream id");
                }

                _streamId = (uint)_values[3].Number;
                if (_publish is not null)
                {
                    // §7.2.2.6 publish: name, type (live, record, append).
                    WriteCommand(_streamId, "publish", 0, Amf0Value.Null, Amf0Value.FromString(_streamName), Amf0Value.FromString(_publish.Type));
                    return true;
                }

                // §7.2.2.1 play: name, start -2 (live, else recorded).
                WriteCommand(_streamId, "play", 0, Amf0Value.Null, Amf0Value.FromString(_streamName), Amf0Value.FromNumber(-2));
                return true;
            case "_error" when transaction is ConnectTransaction or CreateStreamTransaction:
                return Fail("the server refused " + (transaction == ConnectTransaction ? "connect" : "createStream") + Describe(_values));
            case "onStatus":
                {
                    var info = _values.Count >= 4 ? _values[3] : Amf0Value.Null;
                    var code = info.TryGetProperty("code", out var c) && c.Type == Amf0Type.String ? c.Text : "";
                    var level = info.TryGetProperty("level", out var l) && l.Type == Amf0Type.String ? l.Text : "";
                    if (_publish is not null)
                    {
                        if (level == "error" || code is "NetStream.Publish.BadName" or "NetStream.Publish.Failed")
                        {
                            return Fail("publish refused: " + code + Describe(_values));
                        }

                        if (code == "NetStream.Publish.Start" && _streamId != 0 && !IsPublishing)
                        {
                            IsPublishing = true;
                            _events.Enqueue(new RtmpClientEvent(RtmpClientEventKind.Publishing, 0, default, default));
                        }

                        return true;
                    }

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

    // The server's own words (the info object's description), bounded, for the log.
    private static string Describe(List<Amf0Value> values)
    {
        var info = values.Count >= 4 ? values[3] : Amf0Value.Null;
        if (!info.TryGetProperty("description", out var d) || d.Type != Amf0Type.String || string.IsNullOrEmpty(d.Text))
        {
            return "";
        }

        var text = d.Text.Length > 200 ? d.Text[..200] : d.Text;
        return " (" + text + ")";
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
