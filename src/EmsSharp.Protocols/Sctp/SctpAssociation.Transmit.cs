using System.Buffers.Binary;

namespace EmsSharp.Protocols.Sctp;

public sealed partial class SctpAssociation
{
    /// <summary>
    /// Writes the next packet to send (one DTLS application-data record) into <paramref name="buffer"/>,
    /// which must hold at least <see cref="SctpAssociationOptions.Mtu"/> bytes. Call until it returns false
    /// after every input. <paramref name="now"/> stamps the send time for RTT and retransmission timers.
    /// </summary>
    public bool TryPollTransmit(Span<byte> buffer, TimeSpan now, out int length)
    {
        length = 0;
        if (_pendingPackets.TryPeek(out var ready))
        {
            if (buffer.Length < ready.Length)
            {
                throw new ArgumentException($"The buffer must hold {ready.Length} bytes.", nameof(buffer));
            }

            _pendingPackets.Dequeue();
            ready.CopyTo(buffer);
            length = ready.Length;
            Statistics.PacketsSent++;
            return true;
        }

        if (_ended)
        {
            return false;
        }

        if (buffer.Length < _mtu)
        {
            throw new ArgumentException($"The buffer must hold Mtu = {_mtu} bytes.", nameof(buffer));
        }

        StampLifetimes(now);
        var packet = buffer[.._mtu];
        if (_sendInit && _state == SctpAssociationState.CookieWait)
        {
            _sendInit = false;
            length = WriteInitPacket(packet);
            Statistics.PacketsSent++;
            return true;
        }

        if (_peerTag == 0)
        {
            return false;
        }

        new SctpCommonHeader(_options.LocalPort, _options.RemotePort, _peerTag, 0).TryWrite(packet, out var o);
        WriteControlChunks(packet, ref o, now);
        if (_state is SctpAssociationState.Established or SctpAssociationState.ShutdownPending or SctpAssociationState.ShutdownReceived)
        {
            WriteData(packet, ref o, now);
        }

        if (o == SctpCommonHeader.Length)
        {
            return false;
        }

        SctpPacket.WriteChecksum(packet[..o]);
        length = o;
        Statistics.PacketsSent++;
        return true;
    }

    private void StampLifetimes(TimeSpan now)
    {
        foreach (var m in _unstamped)
        {
            m.Expiry = now + m.Lifetime!.Value;
        }

        _unstamped.Clear();
    }

    private int WriteInitPacket(Span<byte> packet)
    {
        new SctpCommonHeader(_options.LocalPort, _options.RemotePort, 0, 0).TryWrite(packet, out _);
        Span<byte> parameters = stackalloc byte[32];
        var p = SctpInitChunk.WriteStandardParameters(parameters);
        var init = new SctpInitChunk(false, _localTag, ReceiveWindowCredit(), _options.OutboundStreams, _options.InboundStreams, _localInitialTsn, parameters[..p]);
        init.TryWrite(packet[SctpCommonHeader.Length..], out var w);
        SctpPacket.WriteChecksum(packet[..(SctpCommonHeader.Length + w)]);
        return SctpCommonHeader.Length + w;
    }

    private void WriteControlChunks(Span<byte> packet, ref int o, TimeSpan now)
    {
        // RFC 9260 §6.10: control chunks precede DATA; COOKIE ECHO must come first.
        int w;
        if (_sendCookieEcho && _state == SctpAssociationState.CookieEchoed && SctpChunk.TryWrite(packet[o..], (byte)SctpChunkType.CookieEcho, 0, _cookie, out w))
        {
            _sendCookieEcho = false;
            o += w;
        }

        if (_sendCookieAck && SctpChunk.TryWrite(packet[o..], (byte)SctpChunkType.CookieAck, 0, [], out w))
        {
            _sendCookieAck = false;
            o += w;
        }

        var hasData = _retransmitCount > 0 || (_queuedMessages > 0 && _flightSize < _cwnd);
        if ((_sackNeeded || (_delayedAckDeadline is not null && hasData)) && IsDataState() && TryWriteSack(packet[o..], out w))
        {
            o += w;
        }

        while (_controlChunks.TryPeek(out var chunk) && chunk.Length <= packet.Length - o)
        {
            chunk.CopyTo(packet[o..]);
            o += chunk.Length;
            _controlChunks.Dequeue();
        }

        if (_forwardTsnNeeded && IsDataState())
        {
            o += WriteForwardTsn(packet[o..]);
        }

        o += WriteReConfig(packet[o..], now);
        if (_sendShutdown && packet.Length - o >= 8)
        {
            SctpChunk.WriteHeader(packet[o..], (byte)SctpChunkType.Shutdown, 0, 8);
            BinaryPrimitives.WriteUInt32BigEndian(packet[(o + 4)..], _cumulativeTsn);
            o += 8;
            _sendShutdown = false;
        }

        if (_sendShutdownAck && SctpChunk.TryWrite(packet[o..], (byte)SctpChunkType.ShutdownAck, 0, [], out w))
        {
            o += w;
            _sendShutdownAck = false;
        }
    }

    private int WriteForwardTsn(Span<byte> destination)
    {
        // RFC 3758 §3.5 C4: list the highest abandoned SSN of each ordered stream being skipped.
        Span<(ushort StreamId, ushort Ssn)> streams = stackalloc (ushort, ushort)[64];
        var count = 0;
        var maxStreams = Math.Min(streams.Length, (destination.Length - SctpForwardTsnChunk.FixedLength) / 4);
        if (maxStreams < 0)
        {
            return 0;
        }

        for (var t = _peerCumAck + 1; SctpTsn.Le(t, _advancedPeerAckPoint); t++)
        {
            var m = InflightSlot(t).Message;
            if (m is null || m.Unordered)
            {
                continue;
            }

            var found = false;
            for (var i = 0; i < count; i++)
            {
                if (streams[i].StreamId == m.Stream.Id)
                {
                    found = true;
                    if (SctpTsn.SsnLt(streams[i].Ssn, m.Ssn))
                    {
                        streams[i].Ssn = m.Ssn;
                    }
                }
            }

            if (!found && count < maxStreams)
            {
                streams[count++] = (m.Stream.Id, m.Ssn);
            }
        }

        if (!SctpForwardTsnChunk.TryWrite(destination, _advancedPeerAckPoint, streams[..count], out var w))
        {
            return 0;
        }

        _forwardTsnNeeded = false;
        Statistics.ForwardTsnSent++;
        return w;
    }

    private void WriteData(Span<byte> packet, ref int o, TimeSpan now)
    {
        // RFC 9260 §7.2.4 step 5: the first fast-retransmit packet goes out regardless of cwnd.
        var bypassCwnd = _fastRetransmitPending;
        _fastRetransmitPending = false;
        while (_retransmitCount > 0)
        {
            while (SctpTsn.Lt(_retransmitCursor, _nextTsn)
                && (SctpTsn.Le(_retransmitCursor, _peerCumAck) || InflightSlot(_retransmitCursor).State != SctpInflightState.NeedsRetransmit))
            {
                _retransmitCursor++;
            }

            if (!SctpTsn.Lt(_retransmitCursor, _nextTsn))
            {
                _retransmitCount = 0;
                break;
            }

            var tsn = _retransmitCursor;
            ref var c = ref InflightSlot(tsn);
            var m = c.Message!;
            if (_peerForwardTsn && now >= m.Expiry)
            {
                Abandon(m);
                AdvancePeerAckPoint();
                continue;
            }

            if ((!bypassCwnd && _flightSize >= _cwnd) || SctpChunk.Pad(SctpDataChunk.HeaderLength + c.Length) > packet.Length - o)
            {
                return;
            }

            var chunk = new SctpDataChunk(c.Flags, tsn, m.Stream.Id, m.Ssn, m.Ppid, m.Data.Span.Slice(c.Offset, c.Length));
            chunk.TryWrite(packet[o..], out var w);
            o += w;
            c.State = SctpInflightState.InFlight;
            c.Transmissions++;
            c.SentAt = now;
            c.MissCount = 0;
            _flightSize += c.Length;
            _retransmitCount--;
            Statistics.Retransmissions++;
            _t3Deadline ??= now + _rto;
        }

        var maxPayload = (_mtu & ~3) - SctpCommonHeader.Length - SctpDataChunk.HeaderLength;
        while (TryPeekNextMessage(out var m))
        {
            if (m.Offset >= m.Length)
            {
                CompleteQueued(m);
                continue;
            }

            if (m.Offset == 0 && _peerForwardTsn && now >= m.Expiry)
            {
                // RFC 3758 §3.5: a message whose lifetime ran out before its first transmission is dropped.
                Statistics.AbandonedMessages++;
                m.Abandoned = true;
                ReduceBuffered(m, m.Length);
                m.Offset = m.Length;
                CompleteQueued(m);
                continue;
            }

            // A chunk is padded to 4 bytes (RFC 9260 §3.2): an MTU that is not a multiple of 4 must not overflow.
            var room = ((packet.Length - o) & ~3) - SctpDataChunk.HeaderLength;
            var remaining = m.Length - m.Offset;
            var length = Math.Min(remaining, room);
            if (_flightSize >= _cwnd || length <= 0
                || (length < remaining && (remaining <= maxPayload || length < 64) && o > SctpCommonHeader.Length))
            {
                return; // window full, or the message (or a decent fragment) goes in the next packet
            }

            // RFC 9260 §6.1 A/B: honour the peer's rwnd, but allow one probe when nothing is in flight.
            if ((_peerRwnd < (uint)length && _flightSize > 0) || !EnsureInflightCapacity())
            {
                return;
            }

            var tsn = _nextTsn++;
            if (m.Offset == 0)
            {
                m.FirstTsn = tsn;
                m.Ssn = m.Unordered ? (ushort)0 : m.Stream.NextSsn++;
            }

            var flags = (byte)((m.Offset == 0 ? SctpDataChunk.BeginningFlag : 0)
                | (m.Offset + length == m.Length ? SctpDataChunk.EndingFlag : 0)
                | (m.Unordered ? SctpDataChunk.UnorderedFlag : 0));
            var chunk = new SctpDataChunk(flags, tsn, m.Stream.Id, m.Ssn, m.Ppid, m.Data.Span.Slice(m.Offset, length));
            chunk.TryWrite(packet[o..], out var w);
            o += w;
            InflightSlot(tsn) = new SctpInflightChunk
            {
                Message = m,
                Offset = m.Offset,
                Length = length,
                Flags = flags,
                State = SctpInflightState.InFlight,
                Transmissions = 1,
                SentAt = now,
            };
            m.Offset += length;
            m.ChunksAssigned++;
            m.LiveChunks++;
            _flightSize += length;
            _peerRwnd = _peerRwnd > (uint)length ? _peerRwnd - (uint)length : 0;
            if (!_rttPending)
            {
                _rttPending = true;
                _rttTsn = tsn;
            }

            _t3Deadline ??= now + _rto;
            Statistics.DataChunksSent++;
            if (m.Offset == m.Length)
            {
                CompleteQueued(m);
            }
        }
    }

    private bool TryPeekNextMessage(out SctpOutboundMessage message)
    {
        while (_activeStreams.TryPeek(out var stream))
        {
            if (stream.Queue.TryPeek(out message!))
            {
                return true;
            }

            _activeStreams.Dequeue();
            stream.Scheduled = false;
        }

        message = null!;
        return false;
    }

    /// <summary>The head message of the head stream is fully cut into chunks (or dropped): rotate to the next stream.</summary>
    private void CompleteQueued(SctpOutboundMessage m)
    {
        var stream = _activeStreams.Dequeue();
        stream.Queue.Dequeue();
        _queuedMessages--;
        if (stream.Queue.Count > 0)
        {
            _activeStreams.Enqueue(stream);
        }
        else
        {
            stream.Scheduled = false;
        }
        if (m.LiveChunks == 0)
        {
            ReturnBuffer(m);
        }
    }
}
