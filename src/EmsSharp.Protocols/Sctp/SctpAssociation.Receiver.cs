using System.Buffers;

namespace EmsSharp.Protocols.Sctp;

public sealed partial class SctpAssociation
{
    /// <summary>Most TSNs the receive ring spans (held fragments to highest received); beyond it DATA is dropped.</summary>
    private const int MaxReceiveRing = 65536;
    private const int MaxDuplicatesReported = 16;

    /// <summary>What each held chunk or waiting message costs of the receive window beyond its user data (its bookkeeping).</summary>
    internal const int HeldChunkOverhead = 64;

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

    /// <summary>Receive-window bytes in use: held fragments and waiting messages with their bookkeeping.</summary>
    internal long ReceiveBufferedBytes => _receivedBytes;

    private uint ReceiveWindowCredit() => (uint)Math.Max(0, _options.ReceiveWindow - _receivedBytes);

    /// <summary>
    /// Most TSNs past the cumulative TSN we hold (RFC 9260 §6.2 window in chunks): each held chunk costs at
    /// least <see cref="HeldChunkOverhead"/> of the window, and the ring must also hold the incomplete message below.
    /// </summary>
    private uint ReceiveTsnSpan => (uint)Math.Clamp(_options.ReceiveWindow / HeldChunkOverhead, 1, MaxReceiveRing / 2);

    private static long Held(int length) => length + HeldChunkOverhead;

    private void HandleData(SctpDataChunk data, TimeSpan now)
    {
        var tsn = data.Tsn;
        if (SctpTsn.Le(tsn, _cumulativeTsn))
        {
            AddDuplicate(tsn);
            return;
        }

        // RFC 9260 §6.2: drop DATA beyond the window in TSNs, and with no room in bytes, beyond the highest TSN
        // received so far; dropped DATA is not reported as received, the peer sends it again. Gaps below it may still
        // fill (else nothing could ever complete), up to twice the window, a hard bound on what the association holds.
        var held = _receivedBytes + Held(data.UserData.Length);
        if (tsn - _cumulativeTsn > ReceiveTsnSpan
            || (held > _options.ReceiveWindow && SctpTsn.Lt(_highestReceivedTsn, tsn))
            || held > 2L * _options.ReceiveWindow
            || !EnsureReceiveCapacity(tsn))
        {
            Statistics.DataChunksDropped++;
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
            _receivedBytes += Held(data.UserData.Length);
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
            JoinAndAssemble(tsn);
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

    /// <summary>Whether the held fragments at <paramref name="tsn"/> and the one after it belong to one message.</summary>
    private bool ContinuesAt(uint tsn, ushort stream) =>
        (ReceivedSlot(tsn).Flags & SctpDataChunk.EndingFlag) == 0 && IsHeldFragment(tsn + 1, stream)
        && (ReceivedSlot(tsn + 1).Flags & SctpDataChunk.BeginningFlag) == 0;

    /// <summary>
    /// RFC 9260 §6.9: a message is the B..E run of consecutive TSNs on one stream. Each run keeps its other end's
    /// TSN and its byte count at both ends, so an arriving fragment joins its neighbours' runs in constant time
    /// and a message is copied once, when complete: reassembly is linear whatever the arrival order. A run over
    /// our max-message-size aborts the association at once, complete or not.
    /// </summary>
    private void JoinAndAssemble(uint tsn)
    {
        ref var arrived = ref ReceivedSlot(tsn);
        var stream = arrived.StreamId;
        var first = tsn;
        var last = tsn;
        long total = arrived.Length;
        if (IsHeldFragment(tsn - 1, stream) && ContinuesAt(tsn - 1, stream))
        {
            ref var left = ref ReceivedSlot(tsn - 1);
            first = left.RunOtherEnd;
            total += left.RunBytes;
        }

        if (ContinuesAt(tsn, stream))
        {
            ref var right = ref ReceivedSlot(tsn + 1);
            last = right.RunOtherEnd;
            total += right.RunBytes;
        }

        if (total > _options.MaxMessageSize)
        {
            QueueAbortPacket(_peerTag, false, SctpErrorCauseCode.ProtocolViolation, "message exceeds max-message-size");
            End(SctpEventKind.Aborted, $"peer sent a message of at least {total} bytes, over our max-message-size {_options.MaxMessageSize}");
            return;
        }

        ref var head = ref ReceivedSlot(first);
        ref var tail = ref ReceivedSlot(last);
        head.RunOtherEnd = last;
        head.RunBytes = total;
        tail.RunOtherEnd = first;
        tail.RunBytes = total;
        if ((head.Flags & SctpDataChunk.BeginningFlag) == 0 || (tail.Flags & SctpDataChunk.EndingFlag) == 0)
        {
            return;
        }

        var ppid = head.Ppid;
        var ssn = head.Ssn;
        var unordered = (head.Flags & SctpDataChunk.UnorderedFlag) != 0;
        var message = new byte[total];
        var o = 0;
        for (var t = first; SctpTsn.Le(t, last); t++)
        {
            ref var s = ref ReceivedSlot(t);
            s.Buffer.AsSpan(0, s.Length).CopyTo(message.AsSpan(o));
            o += s.Length;
            _receivedBytes -= Held(s.Length);
            ArrayPool<byte>.Shared.Return(s.Buffer!);
            s.Buffer = null;
        }

        Deliver(SctpEvent.Message(stream, ppid, unordered, message), ssn);
    }

    /// <summary>After FORWARD TSN: held fragments right after it continuing an abandoned message will never complete; free them.</summary>
    private void DropAbandonedContinuation(uint tsn)
    {
        if (!IsHeldFragment(tsn, ReceivedSlot(tsn).StreamId) || (ReceivedSlot(tsn).Flags & SctpDataChunk.BeginningFlag) != 0)
        {
            return;
        }

        var stream = ReceivedSlot(tsn).StreamId;
        while (true)
        {
            var continues = ContinuesAt(tsn, stream);
            ref var slot = ref ReceivedSlot(tsn);
            _receivedBytes -= Held(slot.Length);
            ArrayPool<byte>.Shared.Return(slot.Buffer!);
            slot.Buffer = null;
            if (!continues)
            {
                return;
            }

            tsn++;
        }
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
            _receivedBytes += Held(message.Data!.Length);
        }
    }

    private void DeliverPending(SctpInboundStream stream)
    {
        while (stream.Pending.Remove(stream.ExpectedSsn, out var next))
        {
            _receivedBytes -= Held(next.Data!.Length);
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
                _receivedBytes -= Held(slot.Length);
            }

            slot = default;
        }

        _cumulativeTsn = newCumulative;
        _receiveFloor = newCumulative + 1;
        if (SctpTsn.Lt(_highestReceivedTsn, newCumulative))
        {
            _highestReceivedTsn = newCumulative;
        }

        DropAbandonedContinuation(newCumulative + 1);
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
                        _receivedBytes -= Held(ready.Data!.Length);
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
