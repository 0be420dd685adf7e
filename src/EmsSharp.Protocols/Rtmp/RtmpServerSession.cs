using System.Buffers;
using System.Buffers.Binary;

namespace EmsSharp.Protocols.Rtmp;

/// <summary>
/// Sans-IO server side of one RTMP connection that accepts publishers and players: handshake (§5.2), chunk stream
/// (§5.3), protocol control (§5.4), the NetConnection/NetStream commands of a publisher and a player (§7.2) and the
/// media messages (§7.1.4, §7.1.5) both ways. The driver feeds received bytes to <see cref="HandleInput"/>, writes
/// what <see cref="TryPollTransmit"/> yields to the socket and handles what <see cref="TryPollEvent"/> yields.
/// </summary>
public sealed partial class RtmpServerSession : IRtmpMediaSink
{
    private const uint ControlChunkStream = 2;
    private const uint CommandChunkStream = 3;
    private const uint StreamChunkStream = 5;
    private const int OutgoingChunkSize = 4096;
    private const uint WindowSize = 2_500_000;

    private readonly RtmpLimits _limits;
    private readonly RtmpChunkReader _reader;
    private readonly RtmpChunkWriter _writer = new();
    private readonly ArrayBufferWriter<byte> _output = new(4096);
    private readonly Queue<RtmpServerEvent> _events = new();
    private bool _transmitTaken;
    private long _bytesReceived;
    private long _lastAcknowledged;
    private uint _peerWindow;

    /// <summary>Creates a session with the given limits (defaults when null).</summary>
    public RtmpServerSession(RtmpLimits? limits = null)
    {
        _limits = limits ?? RtmpLimits.Default;
        _reader = new RtmpChunkReader(_limits);
    }

    /// <summary>The session's state.</summary>
    public RtmpSessionState State { get; private set; }

    /// <summary>The application name of the connect command (e.g. <c>live</c>), once connected.</summary>
    public string? App { get; private set; }

    /// <summary>Why the session failed, once <see cref="State"/> is <see cref="RtmpSessionState.Failed"/>.</summary>
    public string? Error { get; private set; }

    /// <summary>
    /// Complete units received so far: the handshake's C0+C1 and C2, then every whole message. A driver's idle timer
    /// restarts on these, not on every byte, so a peer trickling a byte at a time cannot hold its slot.
    /// </summary>
    public long UnitsReceived { get; private set; }

    /// <summary>
    /// Consumes as much of <paramref name="input"/> as forms whole handshake packets and chunks. Returns false
    /// on a protocol violation (the driver closes the connection; <see cref="Error"/> says why).
    /// </summary>
    public bool HandleInput(ReadOnlySequence<byte> input, TimeSpan now, out SequencePosition consumed)
    {
        ReleaseTransmit();
        var reader = new SequenceReader<byte>(input);
        var ok = State != RtmpSessionState.Failed && HandleInputCore(ref reader, now);
        consumed = reader.Position;
        _bytesReceived += reader.Consumed;
        if (ok)
        {
            AcknowledgeIfDue();
        }
        else
        {
            State = RtmpSessionState.Failed;
        }

        return ok;
    }

    /// <summary>
    /// Yields the bytes to send. The memory stays valid until the next call on this session; call until
    /// it returns false.
    /// </summary>
    public bool TryPollTransmit(out ReadOnlyMemory<byte> data)
    {
        ReleaseTransmit();

        if (_output.WrittenCount == 0)
        {
            data = default;
            return false;
        }

        data = _output.WrittenMemory;
        _transmitTaken = true;
        return true;
    }

    /// <summary>Yields the next event, if any.</summary>
    public bool TryPollEvent(out RtmpServerEvent serverEvent) => _events.TryDequeue(out serverEvent);

    // The bytes TryPollTransmit handed out are sent by now: start the buffer afresh before writing more.
    private void ReleaseTransmit()
    {
        if (_transmitTaken)
        {
            _output.ResetWrittenCount();
            _transmitTaken = false;
        }
    }

    private bool HandleInputCore(ref SequenceReader<byte> reader, TimeSpan now)
    {
        while (true)
        {
            switch (State)
            {
                case RtmpSessionState.AwaitingC0C1:
                    if (reader.Remaining < 1 + RtmpHandshake.PacketSize)
                    {
                        // §5.2.2: anything but version 3 is refused at once, not after 1537 bytes.
                        return !reader.TryPeek(out var early) || early == RtmpHandshake.Version || Fail("bad C0 version");
                    }

                    if (!reader.TryRead(out var version) || version != RtmpHandshake.Version)
                    {
                        return Fail("bad C0 version");
                    }

                    WriteHandshakeResponse(ref reader, now);
                    UnitsReceived++;
                    State = RtmpSessionState.AwaitingC2;
                    break;
                case RtmpSessionState.AwaitingC2:
                    // §5.2.4: C2 echoes S1; clients differ in what they echo, so it is only consumed.
                    if (reader.Remaining < RtmpHandshake.PacketSize)
                    {
                        return true;
                    }

                    reader.Advance(RtmpHandshake.PacketSize);
                    UnitsReceived++;
                    State = RtmpSessionState.Open;
                    break;
                case RtmpSessionState.Open:
                    return ReadChunks(ref reader);
                default:
                    return false;
            }
        }
    }

    private void WriteHandshakeResponse(ref SequenceReader<byte> reader, TimeSpan now)
    {
        Span<byte> c1 = stackalloc byte[RtmpHandshake.PacketSize];
        reader.TryCopyTo(c1);
        reader.Advance(RtmpHandshake.PacketSize);
        var response = _output.GetSpan(1 + (2 * RtmpHandshake.PacketSize));
        RtmpHandshake.WriteResponse(c1, (uint)(long)now.TotalMilliseconds, response);
        _output.Advance(1 + (2 * RtmpHandshake.PacketSize));
    }

    private bool ReadChunks(ref SequenceReader<byte> reader)
    {
        while (true)
        {
            switch (_reader.TryReadChunk(ref reader, out var message))
            {
                case RtmpChunkReadStatus.NeedMoreData:
                    return true;
                case RtmpChunkReadStatus.ChunkConsumed:
                    break;
                case RtmpChunkReadStatus.MessageComplete:
                    UnitsReceived++;
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
        switch (message.Type)
        {
            case RtmpMessageType.WindowAcknowledgementSize:
                // §5.4.4: the peer wants an Acknowledgement after every window of bytes.
                if (message.Payload.Length < 4)
                {
                    return Fail("short Window Acknowledgement Size");
                }

                _peerWindow = BinaryPrimitives.ReadUInt32BigEndian(message.Payload.Span);
                return true;
            case RtmpMessageType.UserControl:
                return HandleUserControl(message);
            case RtmpMessageType.CommandAmf0:
            case RtmpMessageType.CommandAmf3:
                return HandleCommand(message);
            case RtmpMessageType.DataAmf0:
            case RtmpMessageType.DataAmf3:
                return HandleData(message);
            case RtmpMessageType.Audio:
            case RtmpMessageType.Video:
                if (message.Payload.Length > 0 && IsPublishing(message.MessageStreamId))
                {
                    var kind = message.Type == RtmpMessageType.Video ? RtmpServerEventKind.Video : RtmpServerEventKind.Audio;
                    _events.Enqueue(new RtmpServerEvent(kind, message.MessageStreamId, null, message.Timestamp,
                        message.Payload, default));
                }

                return true;
            default:
                // Set Chunk Size and Abort were applied by the chunk reader; Acknowledgement, Set Peer
                // Bandwidth, shared objects and aggregates are not needed to ingest a publisher.
                return true;
        }
    }

    // §6.2 / §7.1.7: a 2-byte event type then event data.
    private bool HandleUserControl(in RtmpMessage message)
    {
        var payload = message.Payload.Span;
        if (payload.Length < 2)
        {
            return Fail("short User Control message");
        }

        const ushort pingRequest = 6;
        const ushort pingResponse = 7;
        if (BinaryPrimitives.ReadUInt16BigEndian(payload) == pingRequest && payload.Length >= 6)
        {
            WriteUserControl(pingResponse, BinaryPrimitives.ReadUInt32BigEndian(payload[2..]));
        }

        return true;
    }

    private void AcknowledgeIfDue()
    {
        // §5.4.3: the sequence number is the number of bytes received so far.
        if (_peerWindow == 0 || _bytesReceived - _lastAcknowledged < _peerWindow)
        {
            return;
        }

        _lastAcknowledged = _bytesReceived;
        Span<byte> body = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(body, (uint)_bytesReceived);
        WriteControl(RtmpMessageType.Acknowledgement, body);
    }

    private void WriteControl(RtmpMessageType type, ReadOnlySpan<byte> body) =>
        _writer.Write(_output, ControlChunkStream, new RtmpMessage((byte)type, 0, 0, body.ToArray()));

    private void WriteUserControl(ushort eventType, uint value)
    {
        Span<byte> body = stackalloc byte[6];
        BinaryPrimitives.WriteUInt16BigEndian(body, eventType);
        BinaryPrimitives.WriteUInt32BigEndian(body[2..], value);
        WriteControl(RtmpMessageType.UserControl, body);
    }

    private bool Fail(string reason)
    {
        Error = reason;
        return false;
    }
}
