using System.Buffers;

namespace EmsSharp.Protocols.Sctp;

public sealed partial class SctpAssociation
{
    /// <summary>Most TSNs the receive ring spans (held fragments to highest received); beyond it DATA is dropped.</summary>
    private const int MaxReceiveRing = 65536;
    private const int MaxDuplicatesReported = 16;

    private readonly Dictionary<ushort, SctpInboundStream> _inboundStreams = [];
    private readonly uint[] _duplicates = new uint[MaxDuplicatesReported];
    private SctpReceivedChunk[] _received;
    private uint _cumulativeTsn;
    private uint _highestReceivedTsn;
    private uint _receiveFloor;
    private long _receivedBytes;
    private int _duplicateCount;
    private int _dataPacketsSinceAck;
    private bool _sackNeeded;
    private TimeSpan? _delayedAckDeadline;

    private ref SctpReceivedChunk ReceivedSlot(uint tsn) => ref _received[tsn & (uint)(_received.Length - 1)];

    private uint ReceiveWindowCredit() => (uint)Math.Max(0, _options.ReceiveWindow - _receivedBytes);

    private void HandleData(SctpDataChunk data, TimeSpan now)
    {
        var tsn = data.Tsn;
        if (SctpTsn.Le(tsn, _cumulativeTsn))
        {
            AddDuplicate(tsn);
            return;
        }

        // RFC 9260 §6.2: with no room, drop DATA beyond the highest TSN received so far.
        if (_receivedBytes + data.UserData.Length > _options.ReceiveWindow && SctpTsn.Lt(_highestReceivedTsn, tsn))
        {
            _sackNeeded = true;
            return;
        }

        if (!EnsureReceiveCapacity(tsn))
        {
            _sackNeeded = true;
            return;
        }

        ref var slot = ref ReceivedSlot(tsn);
        if (slot.Present && slot.Tsn == tsn)
        {
            AddDuplicate(tsn);
            return;
        }

        slot.Tsn = tsn;
        slot.Present = true;
        if (data.StreamId >= _inboundStreamCount)
        {
            // RFC 9260 §6.5: acknowledge, discard, and report Invalid Stream Identifier.
            slot.Buffer = null;
            QueueError(SctpErrorCauseCode.InvalidStreamIdentifier);
        }
        else
        {
            var buffer = ArrayPool<byte>.Shared.Rent(data.UserData.Length);
            data.UserData.CopyTo(buffer);
            slot.Buffer = buffer;
            slot.Length = data.UserData.Length;
            slot.StreamId = data.StreamId;
            slot.Ssn = data.Ssn;
            slot.Ppid = data.Ppid;
            slot.Flags = data.Flags;
            _receivedBytes += data.UserData.Length;
        }

        if (SctpTsn.Lt(_highestReceivedTsn, tsn))
        {
            _highestReceivedTsn = tsn;
        }
        else
        {
            _sackNeeded = true; // RFC 9260 §6.7: a gap got filled; report at once
        }

        AdvanceCumulativeTsn();
        if (slot.Buffer is not null)
        {
            TryAssemble(tsn);
        }

        AdvanceReceiveFloor();
    }

    private void AddDuplicate(uint tsn)
    {
        // RFC 9260 §6.2: report duplicates in the next SACK, sent immediately.
        if (_duplicateCount < MaxDuplicatesReported)
        {
            _duplicates[_duplicateCount++] = tsn;
        }

        _sackNeeded = true;
    }

    private void OnDataPacketReceived(TimeSpan now)
    {
        // RFC 9260 §6.2: SACK at least every second packet with DATA and within the delayed-ack time; at
        // once when out of order (gaps) or while shutting down.
        if (++_dataPacketsSinceAck >= 2 || _highestReceivedTsn != _cumulativeTsn || _state != SctpAssociationState.Established)
        {
            _sackNeeded = true;
        }
        else
        {
            _delayedAckDeadline ??= now + _options.DelayedAckTimeout;
        }
    }

    private bool EnsureReceiveCapacity(uint tsn)
    {
        var needed = (long)(tsn - _receiveFloor) + 1;
        if (needed <= _received.Length)
        {
            return true;
        }

        if (needed > MaxReceiveRing)
        {
            return false;
        }

        var size = _received.Length;
        while (size < needed)
        {
            size *= 2;
        }

        var grown = new SctpReceivedChunk[size];
        foreach (var chunk in _received)
        {
            if (chunk.Present)
            {
                grown[chunk.Tsn & (uint)(size - 1)] = chunk;
            }
        }

        _received = grown;
        return true;
    }

    private void AdvanceCumulativeTsn()
    {
        while (true)
        {
            var next = _cumulativeTsn + 1;
            if (SctpTsn.Lt(_highestReceivedTsn, next))
            {
                return;
            }

            ref var slot = ref ReceivedSlot(next);
            if (!slot.Present || slot.Tsn != next)
            {
                return;
            }

            _cumulativeTsn = next;
        }
    }

    /// <summary>Frees ring slots below the cumulative TSN that no longer hold an incomplete message.</summary>
    private void AdvanceReceiveFloor()
    {
        while (SctpTsn.Le(_receiveFloor, _cumulativeTsn))
        {
            ref var slot = ref ReceivedSlot(_receiveFloor);
            if (slot.Present && slot.Tsn == _receiveFloor && slot.Buffer is not null)
            {
                return;
            }

            slot = default;
            _receiveFloor++;
        }
    }

    private bool IsHeldFragment(uint tsn, ushort stream)
    {
        if (SctpTsn.Lt(tsn, _receiveFloor) || SctpTsn.Lt(_highestReceivedTsn, tsn))
        {
            return false;
        }

        ref var slot = ref ReceivedSlot(tsn);
        return slot.Present && slot.Tsn == tsn && slot.Buffer is not null && slot.StreamId == stream;
    }

    /// <summary>RFC 9260 §6.9: a message is the B..E run of consecutive TSNs on one stream; assemble it once complete.</summary>
    private void TryAssemble(uint tsn)
    {
        ref var arrived = ref ReceivedSlot(tsn);
        var stream = arrived.StreamId;
        var end = tsn;
        while ((ReceivedSlot(end).Flags & SctpDataChunk.EndingFlag) == 0)
        {
            if (!IsHeldFragment(end + 1, stream))
            {
                return;
            }

            end++;
        }

        var begin = tsn;
        while ((ReceivedSlot(begin).Flags & SctpDataChunk.BeginningFlag) == 0)
        {
            if (!IsHeldFragment(begin - 1, stream))
            {
                return;
            }

            begin--;
        }

        long total = 0;
        for (var t = begin; SctpTsn.Le(t, end); t++)
        {
            total += ReceivedSlot(t).Length;
        }

        if (total > _options.MaxMessageSize)
        {
            QueueAbortPacket(_peerTag, false, SctpErrorCauseCode.ProtocolViolation, "message exceeds max-message-size");
            End(SctpEventKind.Aborted, $"peer sent a {total}-byte message over our max-message-size {_options.MaxMessageSize}");
            return;
        }

        ref var first = ref ReceivedSlot(begin);
        var ppid = first.Ppid;
        var ssn = first.Ssn;
        var unordered = (first.Flags & SctpDataChunk.UnorderedFlag) != 0;
        var message = new byte[total];
        var o = 0;
        for (var t = begin; SctpTsn.Le(t, end); t++)
        {
            ref var s = ref ReceivedSlot(t);
            s.Buffer.AsSpan(0, s.Length).CopyTo(message.AsSpan(o));
            o += s.Length;
            ArrayPool<byte>.Shared.Return(s.Buffer!);
            s.Buffer = null;
        }

        _receivedBytes -= total;
        Deliver(SctpEvent.Message(stream, ppid, unordered, message), ssn);
    }

    private SctpInboundStream GetInboundStream(ushort id)
    {
        if (!_inboundStreams.TryGetValue(id, out var s))
        {
            s = new SctpInboundStream();
            _inboundStreams[id] = s;
        }

        return s;
    }

    private void Deliver(SctpEvent message, ushort ssn)
    {
        if (message.Unordered)
        {
            _events.Enqueue(message);
            return;
        }

        // RFC 9260 §6.6: ordered messages leave in SSN order per stream.
        var stream = GetInboundStream(message.StreamId);
        if (ssn == stream.ExpectedSsn)
        {
            _events.Enqueue(message);
            stream.ExpectedSsn++;
            DeliverPending(stream);
        }
        else if (SctpTsn.SsnLt(stream.ExpectedSsn, ssn) && stream.Pending.TryAdd(ssn, message))
        {
            _receivedBytes += message.Data!.Length;
        }
    }

    private void DeliverPending(SctpInboundStream stream)
    {
        while (stream.Pending.Remove(stream.ExpectedSsn, out var next))
        {
            _receivedBytes -= next.Data!.Length;
            _events.Enqueue(next);
            stream.ExpectedSsn++;
        }
    }

    private void HandleForwardTsn(SctpForwardTsnChunk forward, TimeSpan now)
    {
        _sackNeeded = true; // RFC 3758 §3.6: answer a FORWARD TSN with a SACK at once
        var newCumulative = forward.NewCumulativeTsn;
        if (SctpTsn.Le(newCumulative, _cumulativeTsn) || (long)(newCumulative - _cumulativeTsn) > int.MaxValue)
        {
            return;
        }

        // RFC 3758 §3.6: treat every TSN up to New Cumulative TSN as received; drop fragments of abandoned messages.
        for (var t = _receiveFloor; SctpTsn.Le(t, newCumulative) && SctpTsn.Le(t, _highestReceivedTsn); t++)
        {
            ref var slot = ref ReceivedSlot(t);
            if (slot.Present && slot.Tsn == t && slot.Buffer is { } buffer)
            {
                ArrayPool<byte>.Shared.Return(buffer);
                _receivedBytes -= slot.Length;
            }

            slot = default;
        }

        _cumulativeTsn = newCumulative;
        _receiveFloor = newCumulative + 1;
        if (SctpTsn.Lt(_highestReceivedTsn, newCumulative))
        {
            _highestReceivedTsn = newCumulative;
        }

        AdvanceCumulativeTsn();
        AdvanceReceiveFloor();
        for (var i = 0; i < forward.StreamCount; i++)
        {
            var (streamId, skipped) = forward.GetStream(i);
            if (streamId >= _inboundStreamCount)
            {
                continue;
            }

            // Complete messages up to the skipped SSN go out in order; the skipped one never comes.
            var stream = GetInboundStream(streamId);
            if (SctpTsn.SsnLe(stream.ExpectedSsn, skipped))
            {
                for (var s = stream.ExpectedSsn; stream.Pending.Count > 0 && SctpTsn.SsnLe(s, skipped); s++)
                {
                    if (stream.Pending.Remove(s, out var ready))
                    {
                        _receivedBytes -= ready.Data!.Length;
                        _events.Enqueue(ready);
                    }
                }

                stream.ExpectedSsn = (ushort)(skipped + 1);
                DeliverPending(stream);
            }
        }
    }

    /// <summary>Writes a SACK (RFC 9260 §3.3.4) with as many gap blocks as fit; clears the ack state.</summary>
    private bool TryWriteSack(Span<byte> destination, out int written)
    {
        var maxBlocks = Math.Min(64, (destination.Length - SctpSackChunk.FixedLength - (4 * _duplicateCount)) / 4);
        if (maxBlocks < 0)
        {
            written = 0;
            return false;
        }

        Span<SctpGapAckBlock> blocks = stackalloc SctpGapAckBlock[64];
        var count = 0;
        var inBlock = false;
        uint start = 0;
        var last = SctpTsn.Lt(_cumulativeTsn + 65535, _highestReceivedTsn) ? _cumulativeTsn + 65535 : _highestReceivedTsn;
        for (var t = _cumulativeTsn + 1; SctpTsn.Le(t, last) && count < maxBlocks; t++)
        {
            ref var slot = ref ReceivedSlot(t);
            var present = slot.Present && slot.Tsn == t;
            if (present && !inBlock)
            {
                inBlock = true;
                start = t - _cumulativeTsn;
            }
            else if (!present && inBlock)
            {
                inBlock = false;
                blocks[count++] = new SctpGapAckBlock((ushort)start, (ushort)(t - 1 - _cumulativeTsn));
            }
        }

        if (inBlock && count < maxBlocks)
        {
            blocks[count++] = new SctpGapAckBlock((ushort)start, (ushort)(last - _cumulativeTsn));
        }

        if (!SctpSackChunk.TryWrite(destination, _cumulativeTsn, ReceiveWindowCredit(), blocks[..count], _duplicates.AsSpan(0, _duplicateCount), out written))
        {
            return false;
        }

        _sackNeeded = false;
        _delayedAckDeadline = null;
        _dataPacketsSinceAck = 0;
        _duplicateCount = 0;
        return true;
    }
}
