using System.Buffers;
using System.Security.Cryptography;

namespace EmsSharp.Protocols.Sctp;

/// <summary>
/// A sans-IO SCTP association as WebRTC runs it over DTLS (RFC 8261, RFC 8831): one packet per DTLS
/// record, both sides may send INIT, PR-SCTP (RFC 3758) and stream reset (RFC 6525) supported.
/// Feed it packets with <see cref="HandleInbound"/> and timer expiries with <see cref="HandleTimeout"/>;
/// drain <see cref="TryPollTransmit"/> and <see cref="TryPollEvent"/> after every input. Not thread-safe:
/// one owner calls it.
/// </summary>
public sealed partial class SctpAssociation
{
    private readonly SctpAssociationOptions _options;
    private readonly Random? _random;
    private readonly byte[] _cookieKey = new byte[32];
    private readonly Queue<SctpEvent> _events = new();
    private readonly Queue<byte[]> _pendingPackets = new();
    private readonly Queue<byte[]> _controlChunks = new();
    private readonly int _mtu;
    private readonly uint _localTag;
    private readonly uint _localInitialTsn;

    private SctpAssociationState _state;
    private bool _ended;
    private bool _wasEstablished;
    private uint _peerTag;
    private bool _peerForwardTsn;
    private bool _peerReConfig;
    private ushort _outboundStreamCount;
    private ushort _inboundStreamCount;

    // Handshake: T1-init / T1-cookie (RFC 9260 §5.1).
    private bool _sendInit;
    private bool _sendCookieEcho;
    private bool _sendCookieAck;
    private byte[]? _cookie;
    private TimeSpan? _t1Deadline;
    private int _t1Count;

    // Shutdown: T2 (RFC 9260 §9.2).
    private bool _sendShutdown;
    private bool _sendShutdownAck;
    private TimeSpan? _t2Deadline;

    // Heartbeat (RFC 9260 §8.3).
    private TimeSpan _lastActivity;
    private int _heartbeatsOutstanding;

    /// <summary>Creates an association; nothing is sent until <see cref="Connect"/> or an INIT from the peer.</summary>
    public SctpAssociation(SctpAssociationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Mtu, 256);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.Mtu, SctpPacket.MaxLength);
        if (options.MaxMessageSize + ((long)options.MaxMessageSize / 8) > options.ReceiveWindow)
        {
            throw new ArgumentException("ReceiveWindow must be at least MaxMessageSize and an eighth (the bookkeeping of its fragments), or a largest message could never be reassembled.", nameof(options));
        }

        _options = options;
        _mtu = options.Mtu;
        _random = options.RandomSeed is { } seed ? new Random(seed) : null;
        RandomNumberGenerator.Fill(_cookieKey);
        _localTag = NextNonZero();
        _localInitialTsn = NextNonZero();
        _rto = options.RtoInitial;
        _nextTsn = _localInitialTsn;
        _peerCumAck = _localInitialTsn - 1;
        _advancedPeerAckPoint = _peerCumAck;
        _reconfigRequestSeq = _localInitialTsn;
        _cwnd = Math.Min(4 * _mtu, Math.Max(2 * _mtu, 4380)); // RFC 9260 §7.2.1
        _ssthresh = int.MaxValue;
        _inflight = new SctpInflightChunk[256];
        _received = new SctpReceivedChunk[256];
    }

    /// <summary>The current state.</summary>
    public SctpAssociationState State => _state;

    /// <summary>Streams we may send on (negotiated in INIT / INIT ACK).</summary>
    public int OutboundStreamCount => _outboundStreamCount;

    /// <summary>Streams the peer may send on.</summary>
    public int InboundStreamCount => _inboundStreamCount;

    /// <summary>Whether the peer supports PR-SCTP FORWARD TSN (RFC 3758); without it, partial reliability falls back to reliable.</summary>
    public bool PeerSupportsForwardTsn => _peerForwardTsn;

    /// <summary>Whether the peer supports RE-CONFIG (RFC 6525) for stream reset.</summary>
    public bool PeerSupportsReConfig => _peerReConfig;

    /// <summary>The retransmission timeout currently in use (RFC 9260 §6.3.1).</summary>
    public TimeSpan Rto => _rto;

    /// <summary>Counters for tests and metrics.</summary>
    internal SctpStatistics Statistics { get; } = new();

    /// <summary>Where the sender stands at <paramref name="now"/> (call from the association's own thread).</summary>
    public SctpAssociationSnapshot Snapshot(TimeSpan now) => new(
        _state, _flightSize, _cwnd, _peerRwnd, unchecked(_nextTsn - 1 - _peerCumAck), _queuedMessages,
        _t3Deadline - now, NextTimeout - now, _rto, now - _lastActivity, Statistics.PacketsSent, Statistics.PacketsReceived,
        Statistics.Retransmissions, Statistics.FastRetransmits, Statistics.T3Expiries);

    internal int CongestionWindow => _cwnd;

    internal uint LocalVerificationTag => _localTag;

    internal uint PeerVerificationTag => _peerTag;

    /// <summary>Earliest time at which <see cref="HandleTimeout"/> has work, or null.</summary>
    public TimeSpan? NextTimeout
    {
        get
        {
            if (_ended)
            {
                return null;
            }

            var next = Min(_t1Deadline, _t2Deadline);
            next = Min(next, _t3Deadline);
            next = Min(next, _delayedAckDeadline);
            next = Min(next, _reconfigDeadline);
            if (_state == SctpAssociationState.Established)
            {
                next = Min(next, _lastActivity + _options.HeartbeatInterval + _rto);
            }

            return next;
        }
    }

    /// <summary>Starts the association by sending INIT (RFC 9260 §5.1 A). In WebRTC both sides call this.</summary>
    public void Connect(TimeSpan now)
    {
        if (_state != SctpAssociationState.Closed || _ended)
        {
            return;
        }

        _state = SctpAssociationState.CookieWait;
        _sendInit = true;
        _t1Count = 0;
        _t1Deadline = now + _rto;
    }

    /// <summary>
    /// Queues a message on a stream. The bytes are copied into a pooled buffer. Sending is allowed once
    /// <see cref="Connect"/> was called; data waits until the association is established.
    /// </summary>
    /// <exception cref="ArgumentException">The message is empty (SCTP cannot carry empty DATA; RFC 8831 §6.6 uses PPIDs 56/57).</exception>
    /// <exception cref="InvalidOperationException">The association has ended or is shutting down, or the stream is being reset.</exception>
    public void Send(ushort streamId, uint ppid, ReadOnlySpan<byte> data, SctpSendOptions options = default) =>
        Send(streamId, ppid, data, options, countBuffered: true);

    /// <summary>
    /// Queues a message whose bytes are referenced, not copied: one fan-out buffer serves every association that sends
    /// it. The caller must never write <paramref name="data"/> again; it is held until acknowledged or abandoned.
    /// Otherwise as <see cref="Send(ushort, uint, ReadOnlySpan{byte}, SctpSendOptions)"/>.
    /// </summary>
    public void SendImmutable(ushort streamId, uint ppid, ReadOnlyMemory<byte> data, SctpSendOptions options = default)
    {
        var stream = CheckSend(streamId, data.Span);
        Enqueue(stream, data, pooled: null, ppid, options, countBuffered: true);
    }

    /// <summary>As the public overload; <paramref name="countBuffered"/> false keeps protocol messages (DCEP) out of the buffered amount.</summary>
    internal void Send(ushort streamId, uint ppid, ReadOnlySpan<byte> data, SctpSendOptions options, bool countBuffered)
    {
        var stream = CheckSend(streamId, data);
        var buffer = ArrayPool<byte>.Shared.Rent(data.Length);
        data.CopyTo(buffer);
        Enqueue(stream, buffer.AsMemory(0, data.Length), buffer, ppid, options, countBuffered);
    }

    private SctpOutboundStream CheckSend(ushort streamId, ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            throw new ArgumentException("SCTP cannot send an empty message.", nameof(data));
        }

        if (_ended || _state > SctpAssociationState.Established)
        {
            throw new InvalidOperationException($"Cannot send in association state {_state}{(_ended ? " (ended)" : "")}.");
        }

        if (_wasEstablished && streamId >= _outboundStreamCount)
        {
            throw new ArgumentOutOfRangeException(nameof(streamId), $"Stream {streamId} is beyond the {_outboundStreamCount} negotiated outbound streams.");
        }

        if (IsResetting(streamId))
        {
            throw new InvalidOperationException($"Stream {streamId} is being reset; wait for OutgoingStreamsReset.");
        }

        return GetOutboundStream(streamId);
    }

    private void Enqueue(SctpOutboundStream stream, ReadOnlyMemory<byte> data, byte[]? pooled, uint ppid, SctpSendOptions options, bool countBuffered)
    {
        var message = new SctpOutboundMessage
        {
            Stream = stream,
            Data = data,
            Pooled = pooled,
            Length = data.Length,
            Ppid = ppid,
            Unordered = options.Unordered,
            MaxRetransmits = options.MaxRetransmits ?? -1,
            Lifetime = options.Lifetime,
            Counted = countBuffered,
        };
        if (options.Lifetime is not null)
        {
            _unstamped.Add(message);
        }

        if (countBuffered)
        {
            stream.BufferedBytes += data.Length;
        }

        stream.Queue.Enqueue(message);
        _queuedMessages++;
        if (!stream.Scheduled)
        {
            stream.Scheduled = true;
            _activeStreams.Enqueue(stream);
        }
    }

    /// <summary>Bytes queued or in flight on a stream and not yet acknowledged or abandoned.</summary>
    public long GetBufferedAmount(ushort streamId) => _outboundStreams.TryGetValue(streamId, out var s) ? s.BufferedBytes : 0;

    /// <summary>Sets the low-water mark below which <see cref="SctpEventKind.BufferedAmountLow"/> is raised for a stream.</summary>
    public void SetBufferedAmountLowThreshold(ushort streamId, long threshold) => GetOutboundStream(streamId).LowThreshold = threshold;

    /// <summary>Starts a graceful shutdown (RFC 9260 §9.2) once queued data is delivered.</summary>
    public void Shutdown()
    {
        if (_state is SctpAssociationState.Established)
        {
            _state = SctpAssociationState.ShutdownPending;
            CheckShutdownProgress(_lastActivity);
        }
        else if (_state is SctpAssociationState.CookieWait or SctpAssociationState.CookieEchoed)
        {
            End(SctpEventKind.Closed, "shutdown before established");
        }
    }

    /// <summary>Aborts the association (RFC 9260 §9.1): an ABORT with a User-Initiated Abort cause is queued for sending.</summary>
    public void Abort(string reason)
    {
        if (_ended)
        {
            return;
        }

        if (_state != SctpAssociationState.Closed && _peerTag != 0)
        {
            QueueAbortPacket(_peerTag, false, SctpErrorCauseCode.UserInitiatedAbort, reason);
        }

        End(SctpEventKind.Aborted, reason);
    }

    /// <summary>Takes the next event, if any.</summary>
    public bool TryPollEvent(out SctpEvent ev) => _events.TryDequeue(out ev);

    /// <summary>Runs every timer that is due at <paramref name="now"/>.</summary>
    public void HandleTimeout(TimeSpan now)
    {
        if (_ended)
        {
            return;
        }

        if (_t1Deadline <= now)
        {
            OnT1Expired(now);
        }

        if (_t2Deadline <= now)
        {
            OnT2Expired(now);
        }

        if (_t3Deadline <= now)
        {
            OnT3Expired(now);
        }

        if (_delayedAckDeadline <= now)
        {
            _delayedAckDeadline = null;
            _sackNeeded = true;
        }

        if (_reconfigDeadline <= now)
        {
            OnReconfigTimer(now);
        }

        if (_state == SctpAssociationState.Established && _lastActivity + _options.HeartbeatInterval + _rto <= now)
        {
            OnHeartbeatTimer(now);
        }
    }

    private void OnT1Expired(TimeSpan now)
    {
        // RFC 9260 §5.1 C: retransmit INIT or COOKIE ECHO, back off the RTO, give up after Max.Init.Retransmits.
        if (++_t1Count > _options.MaxInitRetransmits)
        {
            End(SctpEventKind.Aborted, "handshake timed out");
            return;
        }

        _rto = Clamp(_rto * 2);
        _t1Deadline = now + _rto;
        _sendInit = _state == SctpAssociationState.CookieWait;
        _sendCookieEcho = _state == SctpAssociationState.CookieEchoed;
    }

    private void OnT2Expired(TimeSpan now)
    {
        // RFC 9260 §9.2: retransmit SHUTDOWN / SHUTDOWN ACK; count toward Association.Max.Retrans.
        if (!CountError())
        {
            return;
        }

        _rto = Clamp(_rto * 2);
        _t2Deadline = now + _rto;
        _sendShutdown = _state == SctpAssociationState.ShutdownSent;
        _sendShutdownAck = _state == SctpAssociationState.ShutdownAckSent;
    }

    private void OnHeartbeatTimer(TimeSpan now)
    {
        // RFC 9260 §8.3: an unanswered HEARTBEAT counts as an error toward Association.Max.Retrans.
        if (_heartbeatsOutstanding > 0 && !CountError())
        {
            return;
        }

        _heartbeatsOutstanding++;
        _lastActivity = now;
        Span<byte> info = stackalloc byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(info, now.Ticks);
        var chunk = new byte[SctpChunk.HeaderLength + 12];
        SctpParameter.TryWrite(chunk.AsSpan(SctpChunk.HeaderLength), (ushort)SctpParameterType.HeartbeatInfo, info, out var w);
        SctpChunk.WriteHeader(chunk, (byte)SctpChunkType.Heartbeat, 0, SctpChunk.HeaderLength + w);
        _controlChunks.Enqueue(chunk);
    }

    /// <summary>Counts a path error (RFC 9260 §8.1); returns false when the association was aborted for it.</summary>
    private bool CountError()
    {
        if (++_errorCount > _options.MaxRetransmissions)
        {
            QueueAbortPacket(_peerTag, false, SctpErrorCauseCode.None, null);
            End(SctpEventKind.Aborted, "peer unreachable: too many retransmissions");
            return false;
        }

        return true;
    }

    private void End(SctpEventKind kind, string? reason)
    {
        if (_ended)
        {
            return;
        }

        _ended = true;
        _state = SctpAssociationState.Closed;
        _t1Deadline = _t2Deadline = _t3Deadline = _delayedAckDeadline = _reconfigDeadline = null;
        ReleaseAllBuffers();
        _events.Enqueue(SctpEvent.Simple(kind, reason));
    }

    private void ReleaseAllBuffers()
    {
        foreach (var stream in _outboundStreams.Values)
        {
            while (stream.Queue.TryDequeue(out var m))
            {
                ReturnBuffer(m);
            }
        }

        _activeStreams.Clear();
        _queuedMessages = 0;

        for (var i = 0; i < _inflight.Length; i++)
        {
            if (_inflight[i].Message is { } m)
            {
                ReturnBuffer(m);
            }

            _inflight[i] = default;
        }

        for (var i = 0; i < _received.Length; i++)
        {
            if (_received[i].Buffer is { } b)
            {
                ArrayPool<byte>.Shared.Return(b);
            }

            _received[i] = default;
        }
    }

    private static void ReturnBuffer(SctpOutboundMessage m)
    {
        m.Data = default;
        if (m.Pooled is { } pooled)
        {
            ArrayPool<byte>.Shared.Return(pooled);
            m.Pooled = null;
        }
    }

    private SctpOutboundStream GetOutboundStream(ushort id)
    {
        if (!_outboundStreams.TryGetValue(id, out var s))
        {
            s = new SctpOutboundStream { Id = id };
            _outboundStreams[id] = s;
        }

        return s;
    }

    private uint NextNonZero()
    {
        uint v;
        do
        {
            v = _random is { } r ? (uint)r.NextInt64(1, uint.MaxValue) : (uint)RandomNumberGenerator.GetInt32(1, int.MaxValue) * 2u;
        }
        while (v == 0);
        return v;
    }

    private TimeSpan Clamp(TimeSpan rto) =>
        rto < _options.RtoMin ? _options.RtoMin : rto > _options.RtoMax ? _options.RtoMax : rto;

    private static TimeSpan? Min(TimeSpan? a, TimeSpan? b) => a is null ? b : b is null ? a : a < b ? a : b;
}
