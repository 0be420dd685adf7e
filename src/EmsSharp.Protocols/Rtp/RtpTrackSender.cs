using EmsSharp.Protocols.Rtcp;
using EmsSharp.Protocols.Srtp;

namespace EmsSharp.Protocols.Rtp;

/// <summary>
/// One track sent to one viewer, sans-IO: maps media timestamps and sequence numbers onto this
/// viewer's SSRC, adds header extensions, keeps the send history, answers NACKs (plain or RTX),
/// surfaces PLI/FIR as a keyframe request, builds sender reports, reads the receiver's reports on this track (loss,
/// jitter, round-trip time), and SRTP-protects everything into caller-owned buffers. One owner (the peer session loop);
/// no allocation per media packet.
/// </summary>
public sealed class RtpTrackSender
{
    private const int RetransmitQueueSize = 256;

    // Sender reports remembered for the round-trip time: a receiver report echoes one of the last few (they go out once a
    // second; a report may cross the next one).
    private const int SentReportsKept = 4;

    private readonly RtpTrackSenderOptions _options;
    private readonly SrtpContext _srtp;
    private readonly ushort[] _retransmitQueue = new ushort[RetransmitQueueSize];
    private readonly ushort[] _nackScratch = new ushort[RetransmitQueueSize];
    private readonly uint[] _sentReportNtp = new uint[SentReportsKept];
    private readonly TimeSpan[] _sentReportAt = new TimeSpan[SentReportsKept];
    private int _queueHead;
    private int _queueCount;
    private ushort _nextSequence;
    private ushort _nextRtxSequence;
    private bool _keyframeRequested;
    private int _sentReports;

    /// <summary>Creates a sender protecting with <paramref name="srtp"/> (the local context of the peer).</summary>
    public RtpTrackSender(RtpTrackSenderOptions options, SrtpContext srtp)
    {
        _options = options;
        _srtp = srtp;
        _nextSequence = options.InitialSequenceNumber;
        _nextRtxSequence = (ushort)(options.InitialSequenceNumber ^ 0x5A5A);
        History = new RtpSendHistory(options.HistoryCapacity, options.HistoryMaxAge);
        Reports = new RtcpSenderReportBuilder(options.Ssrc, options.ClockRate);
    }

    /// <summary>SSRC of the track.</summary>
    public uint Ssrc => _options.Ssrc;

    /// <summary>The track's RTP clock rate, in Hz.</summary>
    public int ClockRate => _options.ClockRate;

    /// <summary>The send history.</summary>
    public RtpSendHistory History { get; }

    /// <summary>Packet and octet counts and the NTP/RTP mapping for sender reports.</summary>
    public RtcpSenderReportBuilder Reports { get; }

    /// <summary>Buffer size every destination must have: the largest packet plus SRTP overhead.</summary>
    public int RequiredBufferSize => _options.MaxPacketSize + _srtp.RtcpOverhead;

    /// <summary>Sequence numbers asked for by NACKs.</summary>
    public long NackedPackets { get; private set; }

    /// <summary>Retransmissions sent.</summary>
    public long RetransmittedPackets { get; private set; }

    /// <summary>NACKed packets no longer in the history (or the queue was full).</summary>
    public long UnanswerableNacks { get; private set; }

    /// <summary>PLI and FIR received for this track.</summary>
    public long KeyframeRequests => PlisReceived + FirsReceived;

    /// <summary>Generic NACK messages received for this track (each may ask for several packets: <see cref="NackedPackets"/>).</summary>
    public long NacksReceived { get; private set; }

    /// <summary>Picture loss indications received for this track (RFC 4585 §6.3.1).</summary>
    public long PlisReceived { get; private set; }

    /// <summary>Full intra requests naming this track (RFC 5104 §4.3.1).</summary>
    public long FirsReceived { get; private set; }

    /// <summary>Reception report blocks about this track received (in receiver or sender reports, RFC 3550 §6.4).</summary>
    public long ReceptionReports { get; private set; }

    /// <summary>The latest reception report block about this track, once one came.</summary>
    public RtcpReportBlock? LastReceptionReport { get; private set; }

    /// <summary>
    /// The latest round-trip time (RFC 3550 §6.4.1: the report's arrival less the echoed sender report's departure, LSR, and
    /// the receiver's delay since it, DLSR), on the monotonic clock of the sends; null until a report echoed one of the
    /// last sender reports. Never negative (DLSR is in 1/65536 s).
    /// </summary>
    public TimeSpan? RoundTripTime { get; private set; }

    /// <summary>
    /// Writes one RTP packet (header, extensions, <paramref name="payload"/>) into <paramref name="destination"/>,
    /// records it in the history and protects it in place. <paramref name="mediaTimestamp"/> is in the
    /// track's clock; the configured offset is added. The history keeps a reference to <paramref name="payload"/>
    /// (to rebuild the packet when NACKed), so its bytes must not change afterwards. False if it does not fit.
    /// </summary>
    public bool TryWritePacket(
        ReadOnlyMemory<byte> payload, bool marker, uint mediaTimestamp, TimeSpan now, Span<byte> destination, out int written)
    {
        written = 0;
        uint timestamp = unchecked(mediaTimestamp + _options.TimestampOffset);
        ushort transportSequence = _options.TransportSequenceExtensionId != 0 && _options.TransportSequence is { } counter
            ? counter.Next()
            : (ushort)0;
        var sent = new RtpSentPacket(_nextSequence, timestamp, marker, _options.PayloadType, now, transportSequence, payload);
        if (!TryBuild(sent, sent.PayloadType, sent.SequenceNumber, _options.Ssrc, rtx: false, destination, out int length))
        {
            return false;
        }
        History.Store(sent);
        if (!_srtp.TryProtectRtp(destination, length, out written))
        {
            return false;
        }
        _nextSequence++;
        Reports.OnPacketSent(timestamp, payload.Length, now);
        return true;
    }

    /// <summary>
    /// Takes in the feedback of a received (unprotected, parsed) compound RTCP packet that arrived at monotonic time
    /// <paramref name="now"/>: NACKs for this SSRC queue retransmissions, PLI/FIR raise the keyframe request, reception
    /// reports on it are kept (and give the round-trip time).
    /// </summary>
    public void HandleRtcp(RtcpCompoundPacket compound, TimeSpan now)
    {
        foreach (var packet in compound.Packets)
        {
            switch (packet)
            {
                case RtcpReceiverReport rr:
                    TakeReports(rr.ReportBlocks, now);
                    break;
                case RtcpSenderReport sr:
                    TakeReports(sr.ReportBlocks, now);
                    break;
                case RtcpGenericNack nack when nack.MediaSsrc == _options.Ssrc:
                    NacksReceived++;
                    int count = nack.CopyLostSequenceNumbers(_nackScratch);
                    for (int i = 0; i < count; i++)
                    {
                        Enqueue(_nackScratch[i]);
                    }
                    break;
                case RtcpPictureLossIndication pli when pli.MediaSsrc == _options.Ssrc:
                    PlisReceived++;
                    _keyframeRequested = true;
                    break;
                case RtcpFullIntraRequest fir when HasFirFor(fir):
                    FirsReceived++;
                    _keyframeRequested = true;
                    break;
            }
        }
    }

    /// <summary>Whether a keyframe was requested since the last call; clears the request.</summary>
    public bool TryTakeKeyframeRequest()
    {
        bool requested = _keyframeRequested;
        _keyframeRequested = false;
        return requested;
    }

    /// <summary>
    /// Writes the next queued retransmission, protected, into <paramref name="destination"/>: the original
    /// packet, or its RTX form when RTX is configured. Skips packets the history no longer holds.
    /// </summary>
    public bool TryPollRetransmission(TimeSpan now, Span<byte> destination, out int written)
    {
        written = 0;
        while (_queueCount > 0)
        {
            ushort sequence = _retransmitQueue[_queueHead];
            _queueHead = (_queueHead + 1) % RetransmitQueueSize;
            _queueCount--;
            int length;
            if (!History.TryGet(sequence, now, out var sent))
            {
                UnanswerableNacks++;
                continue;
            }
            if (_options.RtxPayloadType is byte rtxType)
            {
                // RFC 4588 §4: a new packet on the RTX SSRC, with its own sequence number and transport-wide number.
                ushort transportSequence = _options.TransportSequenceExtensionId != 0 && _options.TransportSequence is { } counter
                    ? counter.Next()
                    : (ushort)0;
                if (!TryBuild(sent with { TransportSequenceNumber = transportSequence }, rtxType, _nextRtxSequence, _options.RtxSsrc,
                    rtx: true, destination, out length))
                {
                    UnanswerableNacks++;
                    continue;
                }
                _nextRtxSequence++;
            }
            else if (!TryBuild(sent, sent.PayloadType, sent.SequenceNumber, _options.Ssrc, rtx: false, destination, out length))
            {
                // A plain retransmission is rebuilt byte for byte: it reuses the SRTP index, and AES-GCM with the same
                // nonce over a different header (AAD) would leak the authentication key (RFC 7714 §8.1, §15).
                UnanswerableNacks++;
                continue;
            }
            if (_srtp.TryProtectRtp(destination, length, out written))
            {
                RetransmittedPackets++;
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// Writes a protected compound RTCP packet: a sender report for <paramref name="now"/> /
    /// <paramref name="wallClock"/> and an SDES with the CNAME (RFC 3550 §6.1).
    /// </summary>
    public bool TryWriteSenderReport(TimeSpan now, DateTimeOffset wallClock, Span<byte> destination, out int written)
    {
        written = 0;
        var report = Reports.Build(now, wallClock);
        var sdes = new RtcpSourceDescription { Chunks = [new RtcpSdesChunk(_options.Ssrc, _options.Cname)] };
        if (!report.TryWrite(destination, out int srLength) || !sdes.TryWrite(destination[srLength..], out int sdesLength)
            || !_srtp.TryProtectRtcp(destination, srLength + sdesLength, out written))
        {
            return false;
        }
        int slot = _sentReports++ % SentReportsKept;
        _sentReportNtp[slot] = NtpTimestamp.ToCompact(report.NtpTimestamp);
        _sentReportAt[slot] = now;
        return true;
    }

    private bool HasExtensions =>
        (_options.MidExtensionId != 0 && _options.Mid is not null) || _options.AbsSendTimeExtensionId != 0
        || (_options.TransportSequenceExtensionId != 0 && _options.TransportSequence is not null);

    // RFC 3550 §5.1 header, RFC 8285 extensions, then the payload — or for RTX (RFC 4588 §4) the original
    // sequence number (OSN) first. Extension values come from the stored facts, so a rebuild is byte-identical.
    private bool TryBuild(
        in RtpSentPacket sent, byte payloadType, ushort sequenceNumber, uint ssrc, bool rtx, Span<byte> destination, out int length)
    {
        var header = new RtpHeader
        {
            Marker = sent.Marker,
            PayloadType = payloadType,
            SequenceNumber = sequenceNumber,
            Timestamp = sent.Timestamp,
            Ssrc = ssrc,
            Extension = HasExtensions,
        };
        var target = destination[..Math.Min(destination.Length, _options.MaxPacketSize)];
        var payload = sent.Payload.Span;
        if (!header.TryWrite(target, out length) || !TryWriteExtensions(target[length..], sent, ref length)
            || length + (rtx ? 2 : 0) + payload.Length > target.Length)
        {
            return false;
        }
        if (rtx)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(target[length..], sent.SequenceNumber);
            length += 2;
        }
        payload.CopyTo(target[length..]);
        length += payload.Length;
        return true;
    }

    private bool TryWriteExtensions(Span<byte> destination, in RtpSentPacket sent, ref int length)
    {
        if (!HasExtensions)
        {
            return true;
        }
        var writer = new RtpHeaderExtensionWriter(destination);
        if (_options.MidExtensionId != 0 && _options.Mid is not null && !writer.TryAddMid(_options.MidExtensionId, _options.Mid))
        {
            return false;
        }
        if (_options.AbsSendTimeExtensionId != 0 && !writer.TryAddAbsSendTime(_options.AbsSendTimeExtensionId, sent.SentAt))
        {
            return false;
        }
        if (_options.TransportSequenceExtensionId != 0 && _options.TransportSequence is not null
            && !writer.TryAddTransportSequenceNumber(_options.TransportSequenceExtensionId, sent.TransportSequenceNumber))
        {
            return false;
        }
        if (!writer.TryComplete(out int written))
        {
            return false;
        }
        length += written;
        return true;
    }

    private void Enqueue(ushort sequenceNumber)
    {
        NackedPackets++;
        if (_queueCount == RetransmitQueueSize)
        {
            UnanswerableNacks++;
            return;
        }
        _retransmitQueue[(_queueHead + _queueCount) % RetransmitQueueSize] = sequenceNumber;
        _queueCount++;
    }

    private bool HasFirFor(RtcpFullIntraRequest fir)
    {
        foreach (var entry in fir.Entries)
        {
            if (entry.Ssrc == _options.Ssrc)
            {
                return true;
            }
        }
        return false;
    }

    // RFC 3550 §6.4.1: the blocks about this track; the round-trip time is A - LSR - DLSR, with A and LSR's departure on
    // our monotonic clock (a wall-clock step between the two cannot skew it). LSR 0: no sender report reached the viewer yet.
    private void TakeReports(RtcpReportBlock[] blocks, TimeSpan now)
    {
        foreach (var block in blocks)
        {
            if (block.Ssrc != _options.Ssrc)
            {
                continue;
            }
            ReceptionReports++;
            LastReceptionReport = block;
            if (block.LastSenderReport == 0)
            {
                continue;
            }
            for (int i = 0; i < Math.Min(_sentReports, SentReportsKept); i++)
            {
                if (_sentReportNtp[i] == block.LastSenderReport)
                {
                    var delay = TimeSpan.FromTicks((long)block.DelaySinceLastSenderReport * TimeSpan.TicksPerSecond / 65536);
                    RoundTripTime = TimeSpan.FromTicks(Math.Max(0, (now - _sentReportAt[i] - delay).Ticks));
                    break;
                }
            }
        }
    }
}
