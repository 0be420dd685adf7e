using EmsSharp.Protocols.Rtcp;
using EmsSharp.Protocols.Srtp;

namespace EmsSharp.Protocols.Rtp;

/// <summary>
/// One track sent to one viewer, sans-IO: maps media timestamps and sequence numbers onto this
/// viewer's SSRC, adds header extensions, keeps the send history, answers NACKs (plain or RTX),
/// surfaces PLI/FIR as a keyframe request, builds sender reports, and SRTP-protects everything into
/// caller-owned buffers. One owner (the peer session loop); no allocation per media packet.
/// </summary>
public sealed class RtpTrackSender
{
    private const int RetransmitQueueSize = 256;

    private readonly RtpTrackSenderOptions _options;
    private readonly SrtpContext _srtp;
    private readonly ushort[] _retransmitQueue = new ushort[RetransmitQueueSize];
    private readonly ushort[] _nackScratch = new ushort[RetransmitQueueSize];
    private int _queueHead;
    private int _queueCount;
    private ushort _nextSequence;
    private ushort _nextRtxSequence;
    private bool _keyframeRequested;

    /// <summary>Creates a sender protecting with <paramref name="srtp"/> (the local context of the peer).</summary>
    public RtpTrackSender(RtpTrackSenderOptions options, SrtpContext srtp)
    {
        _options = options;
        _srtp = srtp;
        _nextSequence = options.InitialSequenceNumber;
        _nextRtxSequence = (ushort)(options.InitialSequenceNumber ^ 0x5A5A);
        History = new RtpSendHistory(options.HistoryCapacity, options.HistoryMaxAge, options.MaxPacketSize);
        Reports = new RtcpSenderReportBuilder(options.Ssrc, options.ClockRate);
    }

    /// <summary>SSRC of the track.</summary>
    public uint Ssrc => _options.Ssrc;

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
    public long KeyframeRequests { get; private set; }

    /// <summary>
    /// Writes one RTP packet (header, extensions, <paramref name="payload"/>) into <paramref name="destination"/>,
    /// records it in the history and protects it in place. <paramref name="mediaTimestamp"/> is in the
    /// track's clock; the configured offset is added. False if it does not fit.
    /// </summary>
    public bool TryWritePacket(
        ReadOnlySpan<byte> payload, bool marker, uint mediaTimestamp, TimeSpan now, Span<byte> destination, out int written)
    {
        written = 0;
        uint timestamp = unchecked(mediaTimestamp + _options.TimestampOffset);
        var header = new RtpHeader
        {
            Marker = marker,
            PayloadType = _options.PayloadType,
            SequenceNumber = _nextSequence,
            Timestamp = timestamp,
            Ssrc = _options.Ssrc,
            Extension = HasExtensions,
        };
        var target = destination[..Math.Min(destination.Length, _options.MaxPacketSize)];
        if (!header.TryWrite(target, out int length) || !TryWriteExtensions(target[length..], now, ref length)
            || length + payload.Length > target.Length)
        {
            return false;
        }
        payload.CopyTo(target[length..]);
        length += payload.Length;
        History.Store(destination[..length], now);
        if (!_srtp.TryProtectRtp(destination, length, out written))
        {
            return false;
        }
        _nextSequence++;
        Reports.OnPacketSent(timestamp, payload.Length, now);
        return true;
    }

    /// <summary>
    /// Takes in the feedback of a received (unprotected, parsed) compound RTCP packet: NACKs for this
    /// SSRC queue retransmissions, PLI/FIR raise the keyframe request.
    /// </summary>
    public void HandleRtcp(RtcpCompoundPacket compound)
    {
        foreach (var packet in compound.Packets)
        {
            switch (packet)
            {
                case RtcpGenericNack nack when nack.MediaSsrc == _options.Ssrc:
                    int count = nack.CopyLostSequenceNumbers(_nackScratch);
                    for (int i = 0; i < count; i++)
                    {
                        Enqueue(_nackScratch[i]);
                    }
                    break;
                case RtcpPictureLossIndication pli when pli.MediaSsrc == _options.Ssrc:
                    RequestKeyframe();
                    break;
                case RtcpFullIntraRequest fir when HasFirFor(fir):
                    RequestKeyframe();
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
            if (_options.RtxPayloadType is byte rtxType)
            {
                if (!History.TryWriteRtx(sequence, now, rtxType, _options.RtxSsrc, _nextRtxSequence, destination, out length))
                {
                    UnanswerableNacks++;
                    continue;
                }
                _nextRtxSequence++;
                RefreshTransportSequence(destination[..length]);
            }
            else if (History.TryGet(sequence, now, out var original) && original.TryCopyTo(destination))
            {
                length = original.Length;
            }
            else
            {
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
        if (!report.TryWrite(destination, out int srLength) || !sdes.TryWrite(destination[srLength..], out int sdesLength))
        {
            return false;
        }
        return _srtp.TryProtectRtcp(destination, srLength + sdesLength, out written);
    }

    private bool HasExtensions =>
        (_options.MidExtensionId != 0 && _options.Mid is not null) || _options.AbsSendTimeExtensionId != 0
        || (_options.TransportSequenceExtensionId != 0 && _options.TransportSequence is not null);

    private bool TryWriteExtensions(Span<byte> destination, TimeSpan now, ref int length)
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
        if (_options.AbsSendTimeExtensionId != 0 && !writer.TryAddAbsSendTime(_options.AbsSendTimeExtensionId, now))
        {
            return false;
        }
        if (_options.TransportSequenceExtensionId != 0 && _options.TransportSequence is { } counter
            && !writer.TryAddTransportSequenceNumber(_options.TransportSequenceExtensionId, counter.Next()))
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

    // An RTX packet is a new packet on the wire and gets its own transport-wide number. A plain
    // retransmission must stay byte-identical: it reuses the SRTP index, and AES-GCM with the same
    // nonce over a different header (AAD) would leak the authentication key (RFC 7714 §8.1, §15).
    private void RefreshTransportSequence(Span<byte> packet)
    {
        if (_options.TransportSequenceExtensionId != 0 && _options.TransportSequence is { } counter
            && RtpHeader.TryRead(packet, out var header, out _)
            && RtpHeaderExtensionReader.TryFindOffset(packet, header, _options.TransportSequenceExtensionId, out int offset, out int length)
            && length == 2)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(packet[offset..], counter.Next());
        }
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

    private void RequestKeyframe()
    {
        KeyframeRequests++;
        _keyframeRequested = true;
    }
}
