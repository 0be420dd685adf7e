using System.Buffers.Binary;
using System.Text;

namespace EmsSharp.Protocols.Sctp;

public sealed partial class SctpAssociation
{
    /// <summary>
    /// Processes one SCTP packet (one DTLS application-data record). Returns false when the packet was
    /// dropped: bad checksum, wrong ports or verification tag, or a malformed chunk (chunks before it
    /// have been processed). Never throws on bad input.
    /// </summary>
    public bool HandleInbound(ReadOnlySpan<byte> packet, TimeSpan now)
    {
        if (_ended || !SctpPacket.TryRead(packet, out var p, out _)
            || p.Header.DestinationPort != _options.LocalPort || p.Header.SourcePort != _options.RemotePort)
        {
            Statistics.PacketsDropped++;
            return false;
        }

        if (!SctpChunk.TryRead(p.Chunks, out var first, out var firstLength) || !CheckVerificationTag(p.Header.VerificationTag, first, p.Chunks.Length == firstLength))
        {
            Statistics.PacketsDropped++;
            return false;
        }

        Statistics.PacketsReceived++;
        _lastActivity = now;
        var chunks = p.Chunks;
        var dataInPacket = false;
        while (!chunks.IsEmpty)
        {
            if (!SctpChunk.TryRead(chunks, out var chunk, out var consumed))
            {
                Statistics.PacketsDropped++;
                return false;
            }

            chunks = chunks[consumed..];
            if (!HandleChunk(chunk, now, ref dataInPacket, out var stop))
            {
                Statistics.PacketsDropped++;
                return false;
            }

            if (stop || _ended)
            {
                break;
            }
        }

        if (dataInPacket)
        {
            OnDataPacketReceived(now);
        }

        return true;
    }

    /// <summary>RFC 9260 §8.5 and §8.5.1: which verification tag a packet must carry.</summary>
    private bool CheckVerificationTag(uint tag, SctpChunk first, bool onlyChunk)
    {
        switch ((SctpChunkType)first.Type)
        {
            case SctpChunkType.Init:
                return tag == 0 && onlyChunk; // RFC 9260 §8.5.1 A, §6.10: INIT is never bundled
            case SctpChunkType.Abort:
            case SctpChunkType.ShutdownComplete:
                return (first.Flags & 1) != 0 ? tag == _peerTag && _peerTag != 0 : tag == _localTag;
            default:
                return tag == _localTag;
        }
    }

    private bool HandleChunk(SctpChunk chunk, TimeSpan now, ref bool dataInPacket, out bool stop)
    {
        stop = false;
        switch ((SctpChunkType)chunk.Type)
        {
            case SctpChunkType.Data:
                if (!SctpDataChunk.TryRead(chunk, out var data))
                {
                    // RFC 9260 §6.2: a DATA chunk without user data is answered with ABORT (No User Data).
                    if (chunk.Value.Length == SctpDataChunk.HeaderLength - SctpChunk.HeaderLength)
                    {
                        QueueAbortPacket(_peerTag, false, SctpErrorCauseCode.NoUserData, null);
                        End(SctpEventKind.Aborted, "peer sent DATA without user data");
                        return true;
                    }

                    return false;
                }

                if (IsDataState())
                {
                    dataInPacket = true;
                    HandleData(data, now);
                }

                return true;
            case SctpChunkType.Init:
                return HandleInit(chunk, now);
            case SctpChunkType.InitAck:
                return HandleInitAck(chunk, now);
            case SctpChunkType.CookieEcho:
                HandleCookieEcho(chunk, now);
                return true;
            case SctpChunkType.CookieAck:
                if (_state == SctpAssociationState.CookieEchoed)
                {
                    EnterEstablished(now);
                }

                return true;
            case SctpChunkType.Sack:
                if (!SctpSackChunk.TryRead(chunk, out var sack))
                {
                    return false;
                }

                if (IsDataState())
                {
                    HandleSack(sack, now);
                }

                return true;
            case SctpChunkType.ForwardTsn:
                if (!SctpForwardTsnChunk.TryRead(chunk, out var forward))
                {
                    return false;
                }

                if (IsDataState())
                {
                    HandleForwardTsn(forward, now);
                }

                return true;
            case SctpChunkType.ReConfig:
                return !IsDataState() || HandleReConfig(chunk, now);
            case SctpChunkType.Heartbeat:
                // RFC 9260 §8.3: echo the Heartbeat Info parameter unchanged in a HEARTBEAT ACK.
                var ack = new byte[SctpChunk.Pad(chunk.Raw.Length)];
                chunk.Raw.CopyTo(ack);
                ack[0] = (byte)SctpChunkType.HeartbeatAck;
                ack[1] = 0;
                _controlChunks.Enqueue(ack);
                return true;
            case SctpChunkType.HeartbeatAck:
                HandleHeartbeatAck(chunk, now);
                return true;
            case SctpChunkType.Abort:
                End(SctpEventKind.Aborted, "peer aborted: " + DescribeCauses(chunk.Value));
                return true;
            case SctpChunkType.Shutdown:
                if (chunk.Value.Length < 4)
                {
                    return false;
                }

                HandleShutdown(BinaryPrimitives.ReadUInt32BigEndian(chunk.Value), now);
                return true;
            case SctpChunkType.ShutdownAck:
                if (_state is SctpAssociationState.ShutdownSent or SctpAssociationState.ShutdownAckSent)
                {
                    // RFC 9260 §9.2: answer with SHUTDOWN COMPLETE and close.
                    var complete = new byte[SctpCommonHeader.Length + SctpChunk.HeaderLength];
                    new SctpCommonHeader(_options.LocalPort, _options.RemotePort, _peerTag, 0).TryWrite(complete, out _);
                    SctpChunk.WriteHeader(complete.AsSpan(SctpCommonHeader.Length), (byte)SctpChunkType.ShutdownComplete, 0, SctpChunk.HeaderLength);
                    SctpPacket.WriteChecksum(complete);
                    _pendingPackets.Enqueue(complete);
                    End(SctpEventKind.Closed, null);
                }

                return true;
            case SctpChunkType.ShutdownComplete:
                if (_state == SctpAssociationState.ShutdownAckSent)
                {
                    End(SctpEventKind.Closed, null);
                }

                return true;
            case SctpChunkType.Error:
                return true;
            default:
                // RFC 9260 §3.2: the two upper bits of an unknown type say stop/skip and report or not.
                var action = chunk.Type >> 6;
                if ((action & 1) != 0)
                {
                    QueueUnrecognizedChunkError(chunk.Raw);
                }

                stop = (action & 2) == 0;
                return true;
        }
    }

    private bool IsDataState() => _state is SctpAssociationState.Established or SctpAssociationState.ShutdownPending
        or SctpAssociationState.ShutdownSent or SctpAssociationState.ShutdownReceived;

    private bool HandleInit(SctpChunk chunk, TimeSpan now)
    {
        if (!SctpInitChunk.TryRead(chunk, out var init))
        {
            return false;
        }

        if (init.InitiateTag == 0 || init.OutboundStreams == 0 || init.InboundStreams == 0)
        {
            // RFC 9260 §3.3.2: a zero Initiate Tag or stream count is answered with ABORT.
            QueueAbortPacket(init.InitiateTag, false, SctpErrorCauseCode.InvalidMandatoryParameter, null);
            return true;
        }

        if (_state is SctpAssociationState.ShutdownAckSent)
        {
            return true;
        }

        Span<byte> unrecognized = stackalloc byte[256];
        if (!init.TryReadParameters(out var parameters, unrecognized, out var unrecognizedLength))
        {
            return false;
        }

        // RFC 9260 §5.1 B / §5.2.1 / §5.2.2: whatever our state, answer with an INIT ACK that carries our
        // (single) Initiate Tag and Initial TSN, and a cookie holding both sides' parameters. Keeping one
        // tag means the COOKIE ECHO of an INIT collision matches our TCB (§5.2.4 case B or D).
        var cookie = new SctpStateCookie(
            _localTag, init.InitiateTag, _localInitialTsn, init.InitialTsn, init.ARwnd,
            init.OutboundStreams, init.InboundStreams, parameters.ForwardTsnSupported, parameters.ReConfigSupported, now);
        Span<byte> parametersBuffer = stackalloc byte[512];
        var o = SctpInitChunk.WriteStandardParameters(parametersBuffer);
        Span<byte> cookieBytes = stackalloc byte[SctpStateCookie.Length];
        cookie.TryWriteSigned(cookieBytes, _cookieKey, out _);
        SctpParameter.TryWrite(parametersBuffer[o..], (ushort)SctpParameterType.StateCookie, cookieBytes, out var w);
        o += w;
        unrecognized[..unrecognizedLength].CopyTo(parametersBuffer[o..]);
        o += unrecognizedLength;
        var initAck = new SctpInitChunk(true, _localTag, ReceiveWindowCredit(), _options.OutboundStreams, _options.InboundStreams, _localInitialTsn, parametersBuffer[..o]);
        var packet = new byte[SctpCommonHeader.Length + initAck.GetSerializedLength()];
        new SctpCommonHeader(_options.LocalPort, _options.RemotePort, init.InitiateTag, 0).TryWrite(packet, out _);
        initAck.TryWrite(packet.AsSpan(SctpCommonHeader.Length), out _);
        SctpPacket.WriteChecksum(packet);
        _pendingPackets.Enqueue(packet);
        return true;
    }

    private bool HandleInitAck(SctpChunk chunk, TimeSpan now)
    {
        if (!SctpInitChunk.TryRead(chunk, out var initAck))
        {
            return false;
        }

        if (_state != SctpAssociationState.CookieWait)
        {
            return true; // RFC 9260 §5.2.3: discard an unexpected INIT ACK.
        }

        if (!initAck.TryReadParameters(out var parameters, [], out _))
        {
            return false;
        }

        if (initAck.InitiateTag == 0 || initAck.OutboundStreams == 0 || initAck.InboundStreams == 0 || parameters.StateCookie is null)
        {
            QueueAbortPacket(initAck.InitiateTag, false, SctpErrorCauseCode.MissingMandatoryParameter, null);
            End(SctpEventKind.Aborted, "invalid INIT ACK");
            return true;
        }

        SetPeerParameters(initAck.InitiateTag, initAck.InitialTsn, initAck.ARwnd, initAck.OutboundStreams, initAck.InboundStreams, parameters.ForwardTsnSupported, parameters.ReConfigSupported);
        _cookie = parameters.StateCookie;
        _state = SctpAssociationState.CookieEchoed;
        _sendCookieEcho = true;
        _t1Count = 0;
        _t1Deadline = now + _rto;
        return true;
    }

    private void HandleCookieEcho(SctpChunk chunk, TimeSpan now)
    {
        if (!SctpStateCookie.TryReadVerified(chunk.Value, _cookieKey, out var cookie) || cookie.LocalTag != _localTag)
        {
            return; // RFC 9260 §5.1.5: silently discard a cookie that fails authentication.
        }

        if (now - cookie.Created > _options.CookieLifetime)
        {
            QueueError(SctpErrorCauseCode.StaleCookie); // RFC 9260 §5.1.5 step 3
            return;
        }

        switch (_state)
        {
            case SctpAssociationState.Closed:
            case SctpAssociationState.CookieWait:
                // No TCB, or RFC 9260 §5.2.4 case B (our tag matches, the peer's is new): take the cookie's parameters.
                SetPeerParameters(cookie.PeerTag, cookie.PeerInitialTsn, cookie.PeerARwnd, cookie.PeerOutboundStreams, cookie.PeerInboundStreams, cookie.PeerForwardTsn, cookie.PeerReConfig);
                EnterEstablished(now);
                _sendCookieAck = true;
                break;
            case SctpAssociationState.CookieEchoed:
                // RFC 9260 §5.2.4 case D (or B during an INIT collision): both tags match; establish.
                if (cookie.PeerTag != _peerTag)
                {
                    SetPeerParameters(cookie.PeerTag, cookie.PeerInitialTsn, cookie.PeerARwnd, cookie.PeerOutboundStreams, cookie.PeerInboundStreams, cookie.PeerForwardTsn, cookie.PeerReConfig);
                }

                EnterEstablished(now);
                _sendCookieAck = true;
                break;
            default:
                // Case D in an established association: the COOKIE ACK was lost; send it again. A new peer tag
                // would be a restart (case A), which WebRTC never does: discard.
                _sendCookieAck |= cookie.PeerTag == _peerTag;
                break;
        }
    }

    private void SetPeerParameters(uint peerTag, uint peerInitialTsn, uint aRwnd, ushort peerOutbound, ushort peerInbound, bool forwardTsn, bool reConfig)
    {
        _peerTag = peerTag;
        _peerForwardTsn = forwardTsn;
        _peerReConfig = reConfig;
        _outboundStreamCount = Math.Min(_options.OutboundStreams, peerInbound);
        _inboundStreamCount = Math.Min(_options.InboundStreams, peerOutbound);
        _cumulativeTsn = peerInitialTsn - 1;
        _highestReceivedTsn = _cumulativeTsn;
        _receiveFloor = peerInitialTsn;
        _peerReconfigExpectedSeq = peerInitialTsn;
        _peerRwnd = aRwnd;
        _ssthresh = (int)Math.Min(aRwnd, int.MaxValue); // RFC 9260 §7.2.1: initial ssthresh = peer's a_rwnd
    }

    private void EnterEstablished(TimeSpan now)
    {
        _state = SctpAssociationState.Established;
        _wasEstablished = true;
        _t1Deadline = null;
        _sendInit = false;
        _sendCookieEcho = false;
        _lastActivity = now;
        _events.Enqueue(SctpEvent.Simple(SctpEventKind.Connected));
    }

    private void HandleHeartbeatAck(SctpChunk chunk, TimeSpan now)
    {
        _heartbeatsOutstanding = 0;
        _errorCount = 0;
        if (SctpParameter.TryRead(chunk.Value, out var info, out _) && info.Value.Length == 8)
        {
            var sent = TimeSpan.FromTicks(BinaryPrimitives.ReadInt64BigEndian(info.Value));
            if (sent <= now && now - sent < _options.RtoMax)
            {
                UpdateRto(now - sent);
            }
        }
    }

    private void HandleShutdown(uint cumulativeTsnAck, TimeSpan now)
    {
        if (!IsDataState() && _state != SctpAssociationState.ShutdownAckSent)
        {
            return;
        }

        // RFC 9260 §9.2: the Cumulative TSN Ack of SHUTDOWN acknowledges like a SACK without gaps.
        ProcessCumulativeAck(cumulativeTsnAck, now);
        if (_state is SctpAssociationState.Established or SctpAssociationState.ShutdownPending)
        {
            _state = SctpAssociationState.ShutdownReceived;
        }
        else if (_state == SctpAssociationState.ShutdownSent)
        {
            // Both sides sent SHUTDOWN (RFC 9260 §9.2): answer with SHUTDOWN ACK.
            _state = SctpAssociationState.ShutdownReceived;
            _t2Deadline = null;
        }

        CheckShutdownProgress(now);
    }

    /// <summary>RFC 9260 §9.2: SHUTDOWN / SHUTDOWN ACK go out once nothing is queued or outstanding.</summary>
    private void CheckShutdownProgress(TimeSpan now)
    {
        if (_queuedMessages > 0 || _peerCumAck != _nextTsn - 1)
        {
            return;
        }

        if (_state == SctpAssociationState.ShutdownPending)
        {
            _state = SctpAssociationState.ShutdownSent;
            _sendShutdown = true;
            _t2Deadline = now + _rto;
        }
        else if (_state == SctpAssociationState.ShutdownReceived)
        {
            _state = SctpAssociationState.ShutdownAckSent;
            _sendShutdownAck = true;
            _t2Deadline = now + _rto;
        }
    }

    private void QueueAbortPacket(uint tag, bool reflected, SctpErrorCauseCode cause, string? reason)
    {
        Span<byte> causeBytes = stackalloc byte[128];
        var causeLength = 0;
        if (cause != SctpErrorCauseCode.None)
        {
            var text = Encoding.UTF8.GetBytes(reason ?? string.Empty).AsSpan();
            text = text[..Math.Min(text.Length, 100)];
            SctpParameter.TryWrite(causeBytes, (ushort)cause, text, out causeLength);
        }

        var packet = new byte[SctpCommonHeader.Length + SctpChunk.HeaderLength + causeLength];
        new SctpCommonHeader(_options.LocalPort, _options.RemotePort, reflected ? _localTag : tag, 0).TryWrite(packet, out _);
        SctpChunk.TryWrite(packet.AsSpan(SctpCommonHeader.Length), (byte)SctpChunkType.Abort, (byte)(reflected ? 1 : 0), causeBytes[..causeLength], out _);
        SctpPacket.WriteChecksum(packet);
        _pendingPackets.Enqueue(packet);
    }

    private void QueueError(SctpErrorCauseCode cause)
    {
        var chunk = new byte[SctpChunk.HeaderLength + 8];
        SctpParameter.TryWrite(chunk.AsSpan(SctpChunk.HeaderLength), (ushort)cause, cause == SctpErrorCauseCode.StaleCookie ? [0, 0, 0, 0] : [], out var w);
        SctpChunk.WriteHeader(chunk, (byte)SctpChunkType.Error, 0, SctpChunk.HeaderLength + w);
        _controlChunks.Enqueue(chunk.AsSpan(0, SctpChunk.Pad(SctpChunk.HeaderLength + w)).ToArray());
    }

    private void QueueUnrecognizedChunkError(ReadOnlySpan<byte> raw)
    {
        if (_peerTag == 0 || raw.Length > 256)
        {
            return;
        }

        // RFC 9260 §3.3.10.6: Unrecognized Chunk Type cause carries the chunk as received.
        var chunk = new byte[SctpChunk.HeaderLength + SctpChunk.Pad(SctpParameter.HeaderLength + raw.Length)];
        SctpParameter.TryWrite(chunk.AsSpan(SctpChunk.HeaderLength), (ushort)SctpErrorCauseCode.UnrecognizedChunkType, raw, out var w);
        SctpChunk.WriteHeader(chunk, (byte)SctpChunkType.Error, 0, SctpChunk.HeaderLength + w);
        _controlChunks.Enqueue(chunk);
    }

    private static string DescribeCauses(ReadOnlySpan<byte> causes)
    {
        if (!SctpParameter.TryRead(causes, out var cause, out _))
        {
            return "no cause";
        }

        var code = (SctpErrorCauseCode)cause.Type;
        return code is SctpErrorCauseCode.UserInitiatedAbort or SctpErrorCauseCode.ProtocolViolation
            ? $"{code} {Encoding.UTF8.GetString(cause.Value)}"
            : code.ToString();
    }
}
