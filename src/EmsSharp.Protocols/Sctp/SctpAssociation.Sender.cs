namespace EmsSharp.Protocols.Sctp;

public sealed partial class SctpAssociation
{
    /// <summary>Most TSNs outstanding at once; sending pauses beyond it.</summary>
    private const int MaxInflightRing = 65536;

    /// <summary>Streams with queued messages, served round-robin one message at a time (as dcsctp does) so one busy channel cannot starve another.</summary>
    private readonly Queue<SctpOutboundStream> _activeStreams = new();
    private int _queuedMessages;
    private readonly List<SctpOutboundMessage> _unstamped = [];
    private readonly Dictionary<ushort, SctpOutboundStream> _outboundStreams = [];
    private SctpInflightChunk[] _inflight;
    private uint _nextTsn;
    private uint _peerCumAck;
    private uint _advancedPeerAckPoint;
    private bool _forwardTsnNeeded;
    private int _flightSize;
    private int _cwnd;
    private int _ssthresh;
    private int _partialBytesAcked;
    private uint _peerRwnd;
    private bool _inFastRecovery;
    private uint _fastRecoveryExit;
    private bool _fastRetransmitPending;
    private int _retransmitCount;
    private uint _retransmitCursor;
    private int _errorCount;

    // RTT measurement (RFC 9260 §6.3.1): one timed TSN at a time, never a retransmitted one (Karn).
    private TimeSpan _rto;
    private TimeSpan _srtt;
    private TimeSpan _rttvar;
    private bool _hasRtt;
    private bool _rttPending;
    private uint _rttTsn;
    private TimeSpan? _t3Deadline;

    private ref SctpInflightChunk InflightSlot(uint tsn) => ref _inflight[tsn & (uint)(_inflight.Length - 1)];

    private bool HasOutstanding => _peerCumAck != _nextTsn - 1;

    private void HandleSack(SctpSackChunk sack, TimeSpan now)
    {
        var cumAck = sack.CumulativeTsnAck;
        // RFC 9260 §6.2.1 D: ignore a SACK older than what we know, or one acking TSNs never sent.
        if (SctpTsn.Lt(cumAck, _peerCumAck) || !SctpTsn.Lt(cumAck, _nextTsn))
        {
            return;
        }

        var flightBefore = _flightSize;
        var cumAdvanced = SctpTsn.Lt(_peerCumAck, cumAck);
        var acked = ProcessCumulativeAck(cumAck, now);
        var highestNewlyAcked = cumAck;
        var covered = 0; // blocks are ascending; never walk a TSN twice, whatever a hostile SACK claims
        for (var i = 0; i < sack.GapBlockCount; i++)
        {
            var block = sack.GetGapBlock(i);
            if (block.Start == 0 || block.Start > block.End || block.End <= covered)
            {
                continue;
            }

            for (var offset = Math.Max(block.Start, covered + 1); offset <= block.End; offset++)
            {
                var tsn = cumAck + (uint)offset;
                covered = offset;
                if (!SctpTsn.Lt(tsn, _nextTsn))
                {
                    covered = ushort.MaxValue;
                    break;
                }

                ref var c = ref InflightSlot(tsn);
                if (c.State is SctpInflightState.InFlight or SctpInflightState.NeedsRetransmit)
                {
                    if (c.State == SctpInflightState.InFlight)
                    {
                        _flightSize -= c.Length;
                        if (_rttPending && tsn == _rttTsn && c.Transmissions == 1)
                        {
                            UpdateRto(now - c.SentAt);
                            _rttPending = false;
                        }
                    }
                    else
                    {
                        _retransmitCount--;
                    }

                    acked += c.Length;
                    c.State = SctpInflightState.GapAcked;
                    Release(ref c, c.Length);
                    highestNewlyAcked = tsn;
                }
            }
        }

        // RFC 9260 §7.2.4: count miss indications below the highest newly acked TSN; three trigger fast retransmit.
        if (sack.GapBlockCount > 0)
        {
            for (var t = cumAck + 1; SctpTsn.Lt(t, highestNewlyAcked); t++)
            {
                ref var c = ref InflightSlot(t);
                if (c.State == SctpInflightState.InFlight && ++c.MissCount >= 3)
                {
                    OnFastRetransmit();
                    MarkForRetransmit(ref c, t, now);
                }
            }
        }

        if (_inFastRecovery && SctpTsn.Le(_fastRecoveryExit, cumAck))
        {
            _inFastRecovery = false;
        }

        // RFC 9260 §7.2.1 / §7.2.2: grow cwnd on a cumulative advance when the window was in use.
        if (cumAdvanced && !_inFastRecovery)
        {
            var windowFull = flightBefore + _mtu >= _cwnd;
            if (_cwnd <= _ssthresh)
            {
                if (windowFull)
                {
                    _cwnd += Math.Min(acked, _mtu);
                }
            }
            else
            {
                _partialBytesAcked += acked;
                if (_partialBytesAcked >= _cwnd && windowFull)
                {
                    _partialBytesAcked -= _cwnd;
                    _cwnd += _mtu;
                }
            }
        }

        // RFC 9260 §6.2.1: peer's rwnd = a_rwnd minus bytes still in flight.
        _peerRwnd = sack.ARwnd > (uint)_flightSize ? sack.ARwnd - (uint)_flightSize : 0;
        AdvancePeerAckPoint();
        if (!HasOutstanding)
        {
            _t3Deadline = null;
        }
        else
        {
            _t3Deadline ??= now + _rto;
        }

        CheckShutdownProgress(now);
    }

    private void OnFastRetransmit()
    {
        _fastRetransmitPending = true;
        Statistics.FastRetransmits++;
        if (!_inFastRecovery)
        {
            // RFC 9260 §7.2.4 step 4: enter Fast Recovery, halve cwnd once per loss event.
            _inFastRecovery = true;
            _fastRecoveryExit = _nextTsn - 1;
            _ssthresh = Math.Max(_cwnd / 2, 4 * _mtu);
            _cwnd = _ssthresh;
            _partialBytesAcked = 0;
        }
    }

    /// <summary>Removes TSNs up to <paramref name="cumAck"/> (RFC 9260 §6.2.1); returns the newly acknowledged bytes.</summary>
    private int ProcessCumulativeAck(uint cumAck, TimeSpan now)
    {
        if (!SctpTsn.Lt(_peerCumAck, cumAck) || !SctpTsn.Lt(cumAck, _nextTsn))
        {
            return 0;
        }

        var acked = 0;
        for (var t = _peerCumAck + 1; SctpTsn.Le(t, cumAck); t++)
        {
            ref var c = ref InflightSlot(t);
            switch (c.State)
            {
                case SctpInflightState.InFlight:
                    _flightSize -= c.Length;
                    acked += c.Length;
                    if (_rttPending && t == _rttTsn && c.Transmissions == 1)
                    {
                        UpdateRto(now - c.SentAt);
                    }

                    Release(ref c, c.Length);
                    break;
                case SctpInflightState.NeedsRetransmit:
                    _retransmitCount--;
                    acked += c.Length;
                    Release(ref c, c.Length);
                    break;
                case SctpInflightState.GapAcked:
                case SctpInflightState.Abandoned:
                case SctpInflightState.None:
                    break;
            }

            c = default;
        }

        if (_rttPending && SctpTsn.Le(_rttTsn, cumAck))
        {
            _rttPending = false;
        }

        _peerCumAck = cumAck;
        _errorCount = 0; // RFC 9260 §8.1: an acknowledgement clears the error counter
        _heartbeatsOutstanding = 0;
        _t3Deadline = HasOutstanding ? now + _rto : null; // RFC 9260 §6.3.2 R3
        return acked;
    }

    /// <summary>A chunk's bytes no longer count toward the stream's buffered amount; the message buffer goes back when all are done.</summary>
    private void Release(ref SctpInflightChunk c, int bytes)
    {
        var m = c.Message!;
        if (m.LiveChunks == 0)
        {
            return;
        }

        m.LiveChunks--;
        ReduceBuffered(m, bytes);
        if (m.LiveChunks == 0 && (m.Offset == m.Length || m.Abandoned))
        {
            ReturnBuffer(m);
        }
    }

    private void ReduceBuffered(SctpOutboundMessage m, long bytes)
    {
        if (!m.Counted)
        {
            return;
        }

        var stream = m.Stream;
        var before = stream.BufferedBytes;
        stream.BufferedBytes -= bytes;
        if (before > stream.LowThreshold && stream.BufferedBytes <= stream.LowThreshold)
        {
            _events.Enqueue(SctpEvent.BufferedLow(stream.Id));
        }
    }

    private void MarkForRetransmit(ref SctpInflightChunk c, uint tsn, TimeSpan now)
    {
        var m = c.Message!;
        // RFC 3758 §3.5 A1-A3: a PR message past its retransmission or lifetime limit is abandoned instead.
        if (_peerForwardTsn && ((m.MaxRetransmits >= 0 && c.Transmissions > m.MaxRetransmits) || now >= m.Expiry))
        {
            Abandon(m);
            return;
        }

        if (c.State == SctpInflightState.InFlight)
        {
            _flightSize -= c.Length;
        }

        if (_rttPending && tsn == _rttTsn)
        {
            _rttPending = false;
        }

        c.State = SctpInflightState.NeedsRetransmit;
        c.MissCount = 0;
        _retransmitCount++;
        if (_retransmitCount == 1 || SctpTsn.Lt(tsn, _retransmitCursor))
        {
            _retransmitCursor = tsn;
        }
    }

    private void Abandon(SctpOutboundMessage m)
    {
        if (m.Abandoned)
        {
            return;
        }

        m.Abandoned = true;
        Statistics.AbandonedMessages++;
        for (var i = 0; i < m.ChunksAssigned; i++)
        {
            var tsn = m.FirstTsn + (uint)i;
            if (SctpTsn.Le(tsn, _peerCumAck))
            {
                continue;
            }

            ref var c = ref InflightSlot(tsn);
            if (c.Message != m)
            {
                continue;
            }

            if (c.State == SctpInflightState.InFlight)
            {
                _flightSize -= c.Length;
                Release(ref c, c.Length);
            }
            else if (c.State == SctpInflightState.NeedsRetransmit)
            {
                _retransmitCount--;
                Release(ref c, c.Length);
            }

            c.State = SctpInflightState.Abandoned;
        }

        var unsent = m.Length - m.Offset;
        m.Offset = m.Length;
        if (unsent > 0)
        {
            ReduceBuffered(m, unsent);
        }

        if (m.LiveChunks == 0)
        {
            ReturnBuffer(m);
        }
    }

    /// <summary>RFC 3758 §3.5 C1-C2: move the Advanced.Peer.Ack.Point over abandoned TSNs; a FORWARD TSN tells the peer.</summary>
    private void AdvancePeerAckPoint()
    {
        if (!_peerForwardTsn)
        {
            return;
        }

        if (SctpTsn.Lt(_advancedPeerAckPoint, _peerCumAck))
        {
            _advancedPeerAckPoint = _peerCumAck;
        }

        while (SctpTsn.Lt(_advancedPeerAckPoint + 1, _nextTsn) && InflightSlot(_advancedPeerAckPoint + 1).State == SctpInflightState.Abandoned)
        {
            _advancedPeerAckPoint++;
        }

        if (SctpTsn.Lt(_peerCumAck, _advancedPeerAckPoint))
        {
            _forwardTsnNeeded = true;
        }
    }

    private void OnT3Expired(TimeSpan now)
    {
        Statistics.T3Expiries++;
        if (!CountError())
        {
            return;
        }

        // RFC 9260 §6.3.3 E1-E3 and §7.2.3: collapse cwnd, back off the RTO, retransmit everything outstanding.
        _ssthresh = Math.Max(_cwnd / 2, 4 * _mtu);
        _cwnd = _mtu;
        _partialBytesAcked = 0;
        _inFastRecovery = false;
        _rto = Clamp(_rto * 2);
        for (var t = _peerCumAck + 1; SctpTsn.Lt(t, _nextTsn); t++)
        {
            ref var c = ref InflightSlot(t);
            if (c.State == SctpInflightState.InFlight)
            {
                MarkForRetransmit(ref c, t, now);
            }
        }

        AdvancePeerAckPoint();
        _t3Deadline = HasOutstanding ? now + _rto : null;
    }

    private void UpdateRto(TimeSpan r)
    {
        // RFC 9260 §6.3.1 C2-C3 with RTO.Alpha = 1/8, RTO.Beta = 1/4.
        if (!_hasRtt)
        {
            _srtt = r;
            _rttvar = r / 2;
            _hasRtt = true;
        }
        else
        {
            _rttvar = (_rttvar * 0.75) + ((_srtt - r).Duration() * 0.25);
            _srtt = (_srtt * 0.875) + (r * 0.125);
        }

        var variance = _rttvar * 4;
        _rto = Clamp(_srtt + (variance < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : variance));
    }

    private bool EnsureInflightCapacity()
    {
        var needed = (long)(_nextTsn - _peerCumAck);
        if (needed <= _inflight.Length)
        {
            return true;
        }

        if (_inflight.Length >= MaxInflightRing)
        {
            return false;
        }

        var grown = new SctpInflightChunk[_inflight.Length * 2];
        for (var t = _peerCumAck + 1; SctpTsn.Lt(t, _nextTsn); t++)
        {
            grown[t & (uint)(grown.Length - 1)] = InflightSlot(t);
        }

        _inflight = grown;
        return true;
    }
}
