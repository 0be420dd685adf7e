using EmsSharp.Protocols.Rtcp;
using EmsSharp.Protocols.Rtp;
using EmsSharp.Protocols.Srtp;

namespace EmsSharp.Load.Viewers;

/// <summary>
/// One viewer's srtp receive side, sans-IO: per-SSRC sequence accounting of every packet from its clear RTP header
/// (RFC 3550 §A.1), SRTP authentication and decryption (RFC 3711 §3.3) of a sample (<see cref="SrtpSampler"/>: all
/// until the first IDR, then one in N), generic NACK for gaps (RFC 4585 §6.2.1) and a receiver report about every
/// second (RFC 3550 §6.4.2) with LSR and DLSR from the server's sender reports (so the server measures the round trip),
/// both drained with <see cref="TryPollTransmit"/>. Time is an input. One owner: whichever
/// thread delivers the viewer's RTP (a pool receive thread, or the session's worker). No allocation per packet; only a NACK
/// or a report allocates its RTCP object.
/// </summary>
internal sealed class SrtpReceiver : IDisposable
{
    private const int MaxTrackedSsrcs = 4;
    private const int MaxDatagram = 2048;
    private const int MaxNackBatch = 64;
    private static readonly TimeSpan ReportInterval = TimeSpan.FromSeconds(1);

    private readonly SrtpContext _remote;
    private readonly SrtpContext _local;
    private readonly uint _ssrc;
    private readonly int _videoPayloadType;
    private readonly int _absSendTimeId;
    private readonly TransitHistogram? _transit;
    private readonly int _dropEveryNthVideoPacket;
    private readonly RtpSequenceTracker?[] _trackers = new RtpSequenceTracker?[MaxTrackedSsrcs];
    private readonly bool[] _trackerIsVideo = new bool[MaxTrackedSsrcs];
    private readonly uint[] _lastSenderReport = new uint[MaxTrackedSsrcs];
    private readonly TimeSpan[] _lastSenderReportAt = new TimeSpan[MaxTrackedSsrcs];
    private readonly byte[] _rtp = new byte[MaxDatagram];
    private readonly byte[] _outbox = new byte[2 * MaxDatagram]; // a NACK and a report at most per packet
    private readonly int[] _outboxLengths = new int[2];
    private readonly ushort[] _nackScratch = new ushort[MaxNackBatch];
    private SrtpSampler _sampler;
    private int _queued;
    private int _polled;
    private bool _keyframeSeen;
    private TimeSpan _lastReport;
    private long _packets;
    private long _bytes;
    private long _videoPackets;
    private long _audioPackets;
    private long _checked;
    private long _nacksSent;
    private long _videoArrivals;

    /// <param name="remote">The server's SRTP context (unprotects what arrives).</param>
    /// <param name="local">This viewer's (protects its RTCP).</param>
    /// <param name="ssrc">This viewer's SSRC, the sender of its RTCP.</param>
    /// <param name="videoPayloadType">The offer's H.264 payload type.</param>
    /// <param name="absSendTimeId">The abs-send-time extension id, 0 without.</param>
    /// <param name="checkEvery">Authenticate one packet in this many after the first keyframe (1 = all).</param>
    /// <param name="transit">Where the one-way transit of stamped packets goes; null to skip.</param>
    /// <param name="dropEveryNthVideoPacket">Tests: drop every Nth H.264 datagram on arrival (a lossy network); 0 none.</param>
    public SrtpReceiver(SrtpContext remote, SrtpContext local, uint ssrc, int videoPayloadType, int absSendTimeId, int checkEvery,
        TransitHistogram? transit = null, int dropEveryNthVideoPacket = 0)
    {
        _remote = remote;
        _local = local;
        _ssrc = ssrc;
        _videoPayloadType = videoPayloadType;
        _absSendTimeId = absSendTimeId;
        _sampler = new SrtpSampler(checkEvery);
        _transit = transit;
        _dropEveryNthVideoPacket = dropEveryNthVideoPacket;
    }

    /// <summary>
    /// RTP packets counted: all but RTCP, second copies and packets behind the sequence window, those dropped on purpose
    /// (tests) and sampled ones that failed authentication.
    /// </summary>
    public long Packets => Volatile.Read(ref _packets);

    /// <summary>Bytes of the counted packets, as they came (SRTP).</summary>
    public long Bytes => Volatile.Read(ref _bytes);

    /// <summary>Counted packets of the H.264 payload type.</summary>
    public long VideoPackets => Volatile.Read(ref _videoPackets);

    /// <summary>Counted packets of any other payload type (Opus audio).</summary>
    public long AudioPackets => Volatile.Read(ref _audioPackets);

    /// <summary>Packets authenticated and decrypted (the sample, and every packet before the first keyframe).</summary>
    public long Checked => Volatile.Read(ref _checked);

    /// <summary>Sampled packets whose tag did not verify (RFC 3711 §3.3 step 5).</summary>
    public long AuthFailures => _remote.AuthenticationFailures;

    /// <summary>Sequence numbers asked for again in generic NACKs.</summary>
    public long NacksSent => Volatile.Read(ref _nacksSent);

    /// <summary>Expected packets never received, over every SSRC; read once receiving stopped.</summary>
    public long Lost => Sum(static t => t.Lost);

    /// <summary>Packets that arrived twice (by sequence number).</summary>
    public long Duplicates => Sum(static t => t.Duplicates);

    /// <summary>Packets that arrived behind the sequence window (or before the first).</summary>
    public long TooLate => Sum(static t => t.TooLate);

    /// <summary>NACKs repeated for a packet whose retransmission had not arrived yet.</summary>
    public long RepeatedNacks => Sum(static t => t.RepeatedNacks);

    /// <summary>Packets expected over every SSRC, first to highest sequence number.</summary>
    public long Expected => Sum(static t => t.Expected);

    /// <summary>
    /// Accounts for one datagram that arrived <paramref name="now"/> (the viewer's clock, for NACK and report timing) at
    /// Stopwatch timestamp <paramref name="receivedAt"/> (for the transit). True when it was counted;
    /// <paramref name="firstKeyframe"/> when it was the start of the viewer's first IDR.
    /// </summary>
    public bool Receive(ReadOnlySpan<byte> datagram, TimeSpan now, long receivedAt, out bool firstKeyframe)
    {
        firstKeyframe = false;
        // RFC 5761 §4: the server's sender reports share the port; only RTP is counted.
        if (datagram.Length > _rtp.Length)
        {
            return false;
        }

        if (RtcpPacketType.IsRtcp(datagram))
        {
            TakeSenderReports(datagram, now);
            return false;
        }

        if (!RtpHeader.TryRead(datagram, out RtpHeader header, out _))
        {
            return false;
        }

        bool isVideoType = header.PayloadType == _videoPayloadType;
        if (_dropEveryNthVideoPacket > 0 && isVideoType && ++_videoArrivals % _dropEveryNthVideoPacket == 0)
        {
            return false;
        }

        if (_sampler.Next(all: !_keyframeSeen) && !Check(datagram, isVideoType, out firstKeyframe))
        {
            return false;
        }

        // A second copy, or one behind the window, is counted there alone (as SRTP's replay check refused it before).
        RtpSequenceTracker? tracker = FindTracker(header.Ssrc, isVideoType, out bool isVideo);
        if (tracker is not null && !tracker.Add(header.SequenceNumber))
        {
            return false;
        }

        Volatile.Write(ref _packets, _packets + 1);
        Volatile.Write(ref _bytes, _bytes + datagram.Length);
        if (_transit is { } transit && _absSendTimeId != 0
            && RtpHeaderExtensionReader.TryFind(datagram, header, _absSendTimeId, out ReadOnlySpan<byte> sentAt))
        {
            transit.Record(sentAt, receivedAt);
        }

        if (isVideo)
        {
            Volatile.Write(ref _videoPackets, _videoPackets + 1);
        }
        else
        {
            Volatile.Write(ref _audioPackets, _audioPackets + 1);
        }

        if (tracker is not null)
        {
            QueueNacks(tracker, now);
        }

        if (now - _lastReport >= ReportInterval)
        {
            _lastReport = now;
            QueueReceiverReport(now);
        }

        return true;
    }

    /// <summary>The next protected RTCP packet to send (a NACK, a receiver report), valid until the next call.</summary>
    public bool TryPollTransmit(out ReadOnlySpan<byte> rtcp)
    {
        if (_polled >= _queued)
        {
            _polled = _queued = 0;
            rtcp = default;
            return false;
        }

        rtcp = _outbox.AsSpan(_polled * MaxDatagram, _outboxLengths[_polled]);
        _polled++;
        return true;
    }

    public void Dispose()
    {
        _local.Dispose();
        _remote.Dispose();
    }

    // Authenticates and decrypts a copy; false for a forgery (not counted). A refusal as replayed or too old still
    // counts: the sequence accounting tells duplicates and late packets of every packet alike.
    private bool Check(ReadOnlySpan<byte> datagram, bool isVideoType, out bool firstKeyframe)
    {
        firstKeyframe = false;
        long refused = _remote.ReplayedPackets + _remote.StalePackets;
        datagram.CopyTo(_rtp);
        if (!_remote.TryUnprotectRtp(_rtp, datagram.Length, out int length))
        {
            return _remote.ReplayedPackets + _remote.StalePackets != refused;
        }

        Volatile.Write(ref _checked, _checked + 1);
        ReadOnlySpan<byte> packet = _rtp.AsSpan(0, length);
        if (!_keyframeSeen && isVideoType && RtpHeader.TryRead(packet, out RtpHeader header, out int headerLength)
            && RtpHeader.TryGetPayload(packet, header, headerLength, out ReadOnlySpan<byte> payload) && H264KeyframeDetector.StartsIdr(payload))
        {
            _keyframeSeen = firstKeyframe = true;
        }

        return true;
    }

    /// <summary>The tracker of <paramref name="ssrc"/>, made on its first packet; null past <see cref="MaxTrackedSsrcs"/>.</summary>
    private RtpSequenceTracker? FindTracker(uint ssrc, bool isVideo, out bool trackerIsVideo)
    {
        for (int i = 0; i < _trackers.Length; i++)
        {
            if (_trackers[i] is not { } tracker)
            {
                _trackers[i] = new RtpSequenceTracker(ssrc);
                _trackerIsVideo[i] = trackerIsVideo = isVideo;
                return _trackers[i];
            }

            if (tracker.Ssrc == ssrc)
            {
                trackerIsVideo = _trackerIsVideo[i];
                return tracker;
            }
        }

        trackerIsVideo = isVideo;
        return null;
    }

    private void QueueNacks(RtpSequenceTracker tracker, TimeSpan now)
    {
        int count = tracker.CollectNacks(now, _nackScratch);
        if (count == 0)
        {
            return;
        }

        // Only on loss: the packet object is the exception to no-allocation.
        RtcpGenericNack nack = RtcpGenericNack.FromSequenceNumbers(_ssrc, tracker.Ssrc, _nackScratch.AsSpan(0, count));
        if (Queue(nack.TryWrite))
        {
            Volatile.Write(ref _nacksSent, _nacksSent + count);
        }
    }

    // RFC 3550 §6.4.1: a sender report's middle 32 NTP bits and when it came, for the next report's LSR and DLSR (about one
    // a second per source: every one is unprotected, unlike the sampled RTP).
    private void TakeSenderReports(ReadOnlySpan<byte> datagram, TimeSpan now)
    {
        datagram.CopyTo(_rtp);
        if (!_remote.TryUnprotectRtcp(_rtp, datagram.Length, out int length)
            || !RtcpCompoundPacket.TryRead(_rtp.AsSpan(0, length), out RtcpCompoundPacket compound, out _))
        {
            return;
        }

        foreach (RtcpPacket packet in compound.Packets)
        {
            if (packet is not RtcpSenderReport sr)
            {
                continue;
            }

            for (int i = 0; i < _trackers.Length && _trackers[i] is { } tracker; i++)
            {
                if (tracker.Ssrc == sr.Ssrc)
                {
                    _lastSenderReport[i] = NtpTimestamp.ToCompact(sr.NtpTimestamp);
                    _lastSenderReportAt[i] = now;
                }
            }
        }
    }

    // RFC 3550 §6.4.2: one block per source; jitter is left 0 (nobody here needs it); LSR 0 and DLSR 0 before a sender
    // report of the source came.
    private void QueueReceiverReport(TimeSpan now)
    {
        int sources = 0;
        while (sources < _trackers.Length && _trackers[sources] is not null)
        {
            sources++;
        }

        var blocks = new RtcpReportBlock[sources];
        for (int i = 0; i < sources; i++)
        {
            RtpSequenceTracker tracker = _trackers[i]!;
            uint delay = _lastSenderReport[i] == 0 ? 0 : (uint)Math.Min(uint.MaxValue, (now - _lastSenderReportAt[i]).TotalSeconds * 65536);
            blocks[i] = new RtcpReportBlock(tracker.Ssrc, 0, (int)Math.Min(tracker.Lost, int.MaxValue), tracker.ExtendedHighest, 0,
                _lastSenderReport[i], delay);
        }

        Queue(new RtcpReceiverReport { Ssrc = _ssrc, ReportBlocks = blocks }.TryWrite);
    }

    private bool Queue(RtcpWriter write)
    {
        if (_queued >= _outboxLengths.Length)
        {
            return false;
        }

        Span<byte> slot = _outbox.AsSpan(_queued * MaxDatagram, MaxDatagram);
        if (!write(slot, out int written) || !_local.TryProtectRtcp(slot, written, out int protectedLength))
        {
            return false;
        }

        _outboxLengths[_queued++] = protectedLength;
        return true;
    }

    private long Sum(Func<RtpSequenceTracker, long> value)
    {
        long total = 0;
        foreach (RtpSequenceTracker? tracker in _trackers)
        {
            total += tracker is null ? 0 : value(tracker);
        }

        return total;
    }

    private delegate bool RtcpWriter(Span<byte> destination, out int written);
}
