using System.Diagnostics;
using System.Security.Cryptography;
using EmsSharp.Protocols.Dtls;
using EmsSharp.Protocols.Rtcp;
using EmsSharp.Protocols.Rtp;
using EmsSharp.Protocols.Sdp;
using EmsSharp.Protocols.Srtp;
using EmsSharp.WebRtc;

namespace EmsSharp.Load.Viewers;

/// <summary>
/// The srtp receive side: SRTP authentication and decryption (RFC 3711 §3.3), per-SSRC sequence accounting,
/// generic NACK for gaps (RFC 4585 §6.2.1), a receiver report about every second (RFC 3550 §6.4.2), and the first
/// IDR. Runs on the session loop; the buffers are allocated once at DTLS connect.
/// </summary>
internal sealed partial class SimulatedViewer
{
    private const int MaxTrackedSsrcs = 4;
    private const int MaxDatagram = 2048;
    private const int MaxNackBatch = 64;
    private static readonly TimeSpan ReportInterval = TimeSpan.FromSeconds(1);

    private readonly RtpSequenceTracker?[] _trackers = new RtpSequenceTracker?[MaxTrackedSsrcs];
    private readonly bool[] _trackerIsVideo = new bool[MaxTrackedSsrcs];
    private readonly uint _ssrc = (uint)RandomNumberGenerator.GetInt32(1, int.MaxValue);
    private SrtpContext? _local;
    private SrtpContext? _remote;
    private byte[] _rtp = [];
    private byte[] _rtcp = [];
    private ushort[] _nackScratch = [];
    private int _videoPayloadType = -1;
    private int _absSendTimeId;
    private TimeSpan _lastReport;
    private long _videoPackets;
    private long _audioPackets;
    private long _nacksSent;
    private long _videoArrivals;

    /// <summary>Drops every Nth H.264 datagram before SRTP (a simulated lossy network, for tests); 0 drops nothing.</summary>
    public int DropEveryNthVideoPacket { get; init; }

    /// <summary>Where the one-way transit of every packet stamped with abs-send-time goes; null to skip.</summary>
    public TransitHistogram? Transit { get; init; }

    /// <summary>RTP packets of the H.264 payload type.</summary>
    public long VideoPackets => Volatile.Read(ref _videoPackets);

    /// <summary>RTP packets of any other payload type (Opus audio).</summary>
    public long AudioPackets => Volatile.Read(ref _audioPackets);

    /// <summary>Sequence numbers asked for again in generic NACKs.</summary>
    public long NacksSent => Volatile.Read(ref _nacksSent);

    /// <summary>SRTP packets whose tag did not verify (RFC 3711 §3.3 step 5).</summary>
    public long AuthFailures => _remote?.AuthenticationFailures ?? 0;

    /// <summary>Expected packets never received, over every SSRC; read after the session ended.</summary>
    public long Lost => Sum(static t => t.Lost);

    /// <summary>Packets received twice: seen by the SRTP replay window (RFC 3711 §3.3.2) or the sequence window.</summary>
    public long Duplicates => Sum(static t => t.Duplicates) + (_remote?.ReplayedPackets ?? 0);

    /// <summary>Packets refused for arriving behind the SRTP replay window or the sequence window.</summary>
    public long TooLate => Sum(static t => t.TooLate) + (_remote?.StalePackets ?? 0);

    /// <summary>NACKs repeated for a packet whose retransmission had not arrived yet.</summary>
    public long RepeatedNacks => Sum(static t => t.RepeatedNacks);

    /// <summary>Packets expected over every SSRC, first to highest sequence number.</summary>
    public long Expected => Sum(static t => t.Expected);

    private long Sum(Func<RtpSequenceTracker, long> value)
    {
        long total = 0;
        foreach (RtpSequenceTracker? tracker in _trackers)
        {
            total += tracker is null ? 0 : value(tracker);
        }

        return total;
    }

    private void OnDtlsConnected(PeerSession session, DtlsSrtpKeys keys)
    {
        if (!SrtpContextFactory.TryCreate(keys.ProfileId, keys.KeyingMaterial, keys.IsDtlsClient, out SrtpContext? local, out SrtpContext? remote))
        {
            Fail($"unsupported SRTP profile {keys.ProfileId}");
            return;
        }

        _local = local;
        _remote = remote;
        _rtp = new byte[MaxDatagram];
        _rtcp = new byte[MaxDatagram];
        _nackScratch = new ushort[MaxNackBatch];
        _videoPayloadType = FindH264PayloadType(session.RemoteDescription, out _absSendTimeId);
    }

    private void OnRtpOrRtcp(PeerSession session, ReadOnlySpan<byte> packet)
    {
        SrtpContext? remote = _remote;
        // RFC 5761 §4: the server's sender reports share the port; only RTP is counted.
        if (remote is null || RtcpPacketType.IsRtcp(packet) || packet.Length > _rtp.Length)
        {
            return;
        }

        // The RTP header is not encrypted (RFC 3711 §3.1): the payload type is readable before SRTP.
        if (DropEveryNthVideoPacket > 0 && packet.Length > 1 && (packet[1] & 0x7F) == _videoPayloadType
            && ++_videoArrivals % DropEveryNthVideoPacket == 0)
        {
            return;
        }

        packet.CopyTo(_rtp);
        if (!remote.TryUnprotectRtp(_rtp, packet.Length, out int length)
            || !RtpHeader.TryRead(_rtp.AsSpan(0, length), out RtpHeader header, out int headerLength))
        {
            return;
        }

        AddReceived(packet.Length);
        if (Transit is { } transit && _absSendTimeId != 0
            && RtpHeaderExtensionReader.TryFind(_rtp.AsSpan(0, length), header, _absSendTimeId, out ReadOnlySpan<byte> sentAt))
        {
            transit.Record(sentAt);
        }

        RtpSequenceTracker? tracker = FindTracker(header.Ssrc, header.PayloadType == _videoPayloadType, out bool isVideo);
        tracker?.Add(header.SequenceNumber);
        if (isVideo)
        {
            Volatile.Write(ref _videoPackets, _videoPackets + 1);
            if (double.IsNaN(_firstKeyframeMs) && RtpHeader.TryGetPayload(_rtp.AsSpan(0, length), header, headerLength, out ReadOnlySpan<byte> payload)
                && H264KeyframeDetector.StartsIdr(payload))
            {
                KeyframeSeen();
            }
        }
        else
        {
            Volatile.Write(ref _audioPackets, _audioPackets + 1);
        }

        TimeSpan now = Stopwatch.GetElapsedTime(_joinStart);
        if (tracker is not null)
        {
            SendNacks(session, tracker, now);
        }

        if (now - _lastReport >= ReportInterval)
        {
            _lastReport = now;
            SendReceiverReport(session);
        }
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

    private void SendNacks(PeerSession session, RtpSequenceTracker tracker, TimeSpan now)
    {
        int count = tracker.CollectNacks(now, _nackScratch);
        if (count == 0)
        {
            return;
        }

        // Only on loss: the packet object is the exception to no-allocation.
        RtcpGenericNack nack = RtcpGenericNack.FromSequenceNumbers(_ssrc, tracker.Ssrc, _nackScratch.AsSpan(0, count));
        if (nack.TryWrite(_rtcp, out int written) && _local!.TryProtectRtcp(_rtcp, written, out int protectedLength)
            && session.SendRtpOrRtcp(_rtcp.AsSpan(0, protectedLength)))
        {
            Volatile.Write(ref _nacksSent, _nacksSent + count);
        }
    }

    // RFC 3550 §6.4.2: one block per source; jitter and LSR/DLSR are left 0 (nobody here needs them).
    private void SendReceiverReport(PeerSession session)
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
            blocks[i] = new RtcpReportBlock(tracker.Ssrc, 0, (int)Math.Min(tracker.Lost, int.MaxValue), tracker.ExtendedHighest, 0, 0, 0);
        }

        var report = new RtcpReceiverReport { Ssrc = _ssrc, ReportBlocks = blocks };
        if (report.TryWrite(_rtcp, out int written) && _local!.TryProtectRtcp(_rtcp, written, out int protectedLength))
        {
            session.SendRtpOrRtcp(_rtcp.AsSpan(0, protectedLength));
        }
    }

    private void DisposeSrtp()
    {
        _local?.Dispose();
        _remote?.Dispose();
    }

    /// <summary>The offer's H.264 payload type, and the id of abs-send-time on its media section (0 without).</summary>
    private static int FindH264PayloadType(WebRtcRemoteDescription? description, out int absSendTimeId)
    {
        foreach (WebRtcRemoteMedia media in description?.Media ?? [])
        {
            foreach (int pt in media.PayloadTypes)
            {
                if (media.Kind == "video" && media.RtpMaps.TryGetValue(pt, out string? map) && map.StartsWith("H264/", StringComparison.OrdinalIgnoreCase))
                {
                    absSendTimeId = media.Extensions.GetValueOrDefault(WebRtcPayloadTypes.AbsSendTimeUri);
                    return pt;
                }
            }
        }

        absSendTimeId = 0;
        return WebRtcPayloadTypes.H264;
    }
}
