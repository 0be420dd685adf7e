using System.Buffers.Binary;

namespace EmsSharp.Protocols.Dtls;

/// <summary>Handshake framing (RFC 6347 §4.2.2-§4.2.4): peer messages reassembled from fragments, our flights fragmented, packed and sent again.</summary>
public sealed partial class DtlsEndpoint
{
    private void HandleHandshakeRecord(ReadOnlySpan<byte> body, ushort epoch, TimeSpan now)
    {
        // RFC 6347 §4.2.2: msg_type(1) length(3) message_seq(2) fragment_offset(3) fragment_length(3), then the fragment.
        while (body.Length >= HandshakeHeaderLength && _state != DtlsState.Closed)
        {
            var msgType = body[0];
            var length = ReadUInt24(body[1..]);
            var seq = BinaryPrimitives.ReadUInt16BigEndian(body[4..]);
            var offset = ReadUInt24(body[6..]);
            var fragmentLength = ReadUInt24(body[9..]);
            if (fragmentLength > body.Length - HandshakeHeaderLength)
            {
                return; // the record's framing is broken: drop the rest of it
            }

            var fragment = body.Slice(HandshakeHeaderLength, fragmentLength);
            body = body[(HandshakeHeaderLength + fragmentLength)..];
            if (offset + fragmentLength > length)
            {
                continue; // a fragment past its message's end: malformed, dropped
            }

            HandleFragment(msgType, length, seq, offset, fragment, epoch, now);
        }
    }

    private void HandleFragment(byte msgType, int length, int seq, int offset, ReadOnlySpan<byte> fragment, ushort epoch,
        TimeSpan now)
    {
        if (_state == DtlsState.ServerWaitClientHello && msgType == ClientHelloType && _inbound.Count == 0 && seq < 2)
        {
            // RFC 6347 §4.2.2: a ClientHello answering a HelloVerifyRequest (from a stateless front, say) has seq 1.
            _nextReceiveSeq = seq;
        }

        if (seq < _nextReceiveSeq)
        {
            // RFC 6347 §4.2.4: the peer sent its previous flight again, so ours was lost: send ours again, once per
            // datagram, when the last message of that flight is complete again (its final fragment).
            if (seq == _peerPreviousFlightLastSeq && offset + fragment.Length == length && !_retransmittedThisCall &&
                _flight.Count > 0)
            {
                _retransmittedThisCall = true;
                Retransmissions++;
                TransmitFlight();
                if (_retransmitAt is not null)
                {
                    _retransmitAt = now + _rto;
                }
            }

            return;
        }

        if (_state is DtlsState.Connected || seq >= _nextReceiveSeq + _options.MaxBufferedMessages)
        {
            // After the handshake: a new one (renegotiation) is refused by ignoring it (RFC 5746 lets a server do so).
            // Too far ahead: not buffered (RFC 6347 §4.2.2 lets us drop it).
            return;
        }

        if (length > _options.MaxHandshakeMessage)
        {
            throw new DtlsAlertException(DtlsAlert.DecodeError,
                $"handshake message {msgType} of {length} bytes exceeds the {_options.MaxHandshakeMessage}-byte limit");
        }

        if (!_inbound.TryGetValue(seq, out var message))
        {
            message = new InboundMessage(msgType, length, epoch);
            _inbound[seq] = message;
        }
        else if (message.Type != msgType || message.Length != length || message.Epoch != epoch)
        {
            return; // a fragment that contradicts the ones before: dropped
        }

        message.Add(offset, fragment);
        while (_state != DtlsState.Closed && _inbound.TryGetValue(_nextReceiveSeq, out var next) && next.IsComplete)
        {
            _inbound.Remove(_nextReceiveSeq);
            var messageSeq = _nextReceiveSeq++;
            HandleMessage(next.Type, messageSeq, next.Body, next.Epoch, now);
        }
    }

    private void SendFlight(List<FlightEntry> flight, bool expectsReply, TimeSpan now)
    {
        // RFC 6347 §4.2.4: each flight starts with the initial timer; only a flight that waits for a reply has one (the
        // final flight is sent again only when the peer's comes again, Figure 1's FINISHED state).
        _flight = flight;
        _rto = _options.InitialRetransmission;
        TransmitFlight();
        _retransmitAt = expectsReply ? now + _rto : null;
    }

    private FlightEntry Message(byte type, byte[] body, bool epoch1 = false)
    {
        var entry = new FlightEntry(type, (ushort)_nextSendSeq++, body, epoch1);
        AddToTranscript(type, entry.Seq, body);
        return entry;
    }

    // RFC 6347 §4.2.3: each message is fragmented to fit the MTU, records are packed into datagrams up to it, and a
    // retransmission frames the same messages in new records (new sequence numbers, §4.2.4).
    private void TransmitFlight()
    {
        var datagram = RentDatagram();
        var used = 0;
        Span<byte> fragment = stackalloc byte[HandshakeHeaderLength];
        foreach (var entry in _flight)
        {
            if (entry.Type == ChangeCipherSpecMarker)
            {
                if (used + DtlsRecordPeek.HeaderLength + 1 > _options.Mtu)
                {
                    Flush(ref datagram, ref used);
                }

                used += WritePlainRecord(datagram.AsSpan(used), ChangeCipherSpecType, [1]);
                _writeEpoch1 = true;
                continue;
            }

            var overhead = DtlsRecordPeek.HeaderLength + HandshakeHeaderLength +
                (entry.Epoch1 ? DtlsAeadRecords.Overhead - DtlsRecordPeek.HeaderLength : 0);
            var offset = 0;
            do
            {
                var remaining = entry.Body.Length - offset;
                var space = _options.Mtu - used - overhead;
                if (used > 0 && space < Math.Min(remaining, 64) + (remaining == 0 ? 1 : 0))
                {
                    Flush(ref datagram, ref used);
                    space = _options.Mtu - overhead;
                }

                var chunk = Math.Min(space, remaining);
                var record = new byte[HandshakeHeaderLength + chunk];
                record[0] = entry.Type;
                WriteUInt24(record.AsSpan(1), entry.Body.Length);
                BinaryPrimitives.WriteUInt16BigEndian(record.AsSpan(4), entry.Seq);
                WriteUInt24(record.AsSpan(6), offset);
                WriteUInt24(record.AsSpan(9), chunk);
                entry.Body.AsSpan(offset, chunk).CopyTo(record.AsSpan(HandshakeHeaderLength));
                used += entry.Epoch1
                    ? _records!.Seal(HandshakeType, record, datagram.AsSpan(used))
                    : WritePlainRecord(datagram.AsSpan(used), HandshakeType, record);
                offset += chunk;
            }
            while (offset < entry.Body.Length);
        }

        Flush(ref datagram, ref used);
        _freeDatagrams.Push(datagram);
    }

    private void Flush(ref byte[] datagram, ref int used)
    {
        if (used == 0)
        {
            return;
        }

        _transmit.Enqueue((datagram, used));
        datagram = RentDatagram();
        used = 0;
    }

    private int WritePlainRecord(Span<byte> destination, byte type, ReadOnlySpan<byte> body)
    {
        destination[0] = type;
        BinaryPrimitives.WriteUInt16BigEndian(destination[1..], Dtls12);
        BinaryPrimitives.WriteInt64BigEndian(destination[3..], _epoch0WriteSequence++ & MaxSequence); // epoch 0
        BinaryPrimitives.WriteUInt16BigEndian(destination[11..], (ushort)body.Length);
        body.CopyTo(destination[DtlsRecordPeek.HeaderLength..]);
        return DtlsRecordPeek.HeaderLength + body.Length;
    }

    /// <summary>A message of our current flight, kept to send again; <see cref="ChangeCipherSpecMarker"/> stands for the CCS record.</summary>
    private readonly record struct FlightEntry(byte Type, ushort Seq, byte[] Body, bool Epoch1);

    /// <summary>A peer message being reassembled from fragments (RFC 6347 §4.2.3), possibly out of order or duplicated.</summary>
    private sealed class InboundMessage(byte type, int length, ushort epoch)
    {
        private readonly bool[] _have = new bool[length];
        private int _received;
        private bool _seen;

        public byte Type { get; } = type;

        public int Length { get; } = length;

        public ushort Epoch { get; } = epoch;

        public byte[] Body { get; } = new byte[length];

        public bool IsComplete => _seen && _received == Length;

        public void Add(int offset, ReadOnlySpan<byte> fragment)
        {
            _seen = true;
            fragment.CopyTo(Body.AsSpan(offset));
            for (var i = offset; i < offset + fragment.Length; i++)
            {
                if (!_have[i])
                {
                    _have[i] = true;
                    _received++;
                }
            }
        }
    }
}
