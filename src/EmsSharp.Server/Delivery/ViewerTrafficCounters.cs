using EmsSharp.Protocols.Rtp;

namespace EmsSharp.Server.Delivery;

/// <summary>
/// Thread-safe traffic counters of one viewer (WebRTC or WS-FMP4): written by its sender, read by the API and the metrics.
/// An srtp viewer's RTCP feedback (<see cref="RecordFeedback"/>) is copied in by its session's worker after each RTCP
/// packet, so a reader on another thread sees plain values, never the sender's own state.
/// </summary>
internal sealed class ViewerTrafficCounters
{
    private long _packets;
    private long _bytes;
    private long _retransmissions;
    private long _keyframeRequests;
    private long _droppedFrames;
    private long _audioPackets;
    private long _audioBytes;
    private long _nacks;
    private long _plis;
    private long _firs;
    private long _receptionReports;
    private long _packetsLost;
    private int _fractionLost;
    private double _jitterSeconds;
    private long _roundTripTicks = -1;

    public long Packets => Volatile.Read(ref _packets);

    public long Bytes => Volatile.Read(ref _bytes);

    public long Retransmissions => Volatile.Read(ref _retransmissions);

    public long KeyframeRequests => Volatile.Read(ref _keyframeRequests);

    public long DroppedFrames => Volatile.Read(ref _droppedFrames);

    /// <summary>The audio packets among <see cref="Packets"/>, for a sender that sends each track in its own packets (srtp).</summary>
    public long AudioPackets => Volatile.Read(ref _audioPackets);

    /// <summary>The audio bytes among <see cref="Bytes"/> (see <see cref="AudioPackets"/>).</summary>
    public long AudioBytes => Volatile.Read(ref _audioBytes);

    /// <summary>Generic NACK messages the viewer sent on its video track.</summary>
    public long Nacks => Volatile.Read(ref _nacks);

    /// <summary>Picture loss indications the viewer sent.</summary>
    public long Plis => Volatile.Read(ref _plis);

    /// <summary>Full intra requests the viewer sent.</summary>
    public long Firs => Volatile.Read(ref _firs);

    /// <summary>Reception reports on the video track the viewer sent (RFC 3550 §6.4); the figures below are its latest's.</summary>
    public long ReceptionReports => Volatile.Read(ref _receptionReports);

    /// <summary>Cumulative number of packets lost the viewer reported (RFC 3550 §6.4.1; may be negative with duplicates).</summary>
    public long PacketsLost => Volatile.Read(ref _packetsLost);

    /// <summary>The fraction of packets lost the viewer reported over its last report interval, 0 to 1.</summary>
    public double FractionLost => Volatile.Read(ref _fractionLost) / 256.0;

    /// <summary>The interarrival jitter the viewer reported, in seconds.</summary>
    public double JitterSeconds => Volatile.Read(ref _jitterSeconds);

    /// <summary>The latest round-trip time measured from the viewer's reports, in seconds; null until one was.</summary>
    public double? RoundTripSeconds => Volatile.Read(ref _roundTripTicks) is >= 0 and var ticks ? (double)ticks / TimeSpan.TicksPerSecond : null;

    public void AddPacket(int length) => AddPackets(1, length);

    public void AddPackets(int count, int length)
    {
        Interlocked.Add(ref _packets, count);
        Interlocked.Add(ref _bytes, length);
    }

    /// <summary>Adds <paramref name="count"/> audio packets of <paramref name="length"/> bytes in all (see <see cref="AudioPackets"/>).</summary>
    public void AddAudioPackets(int count, int length)
    {
        Interlocked.Add(ref _audioPackets, count);
        Interlocked.Add(ref _audioBytes, length);
        AddPackets(count, length);
    }

    public void AddAudioPacket(int length)
    {
        Interlocked.Increment(ref _audioPackets);
        Interlocked.Add(ref _audioBytes, length);
        AddPacket(length);
    }

    public void AddRetransmission() => Interlocked.Increment(ref _retransmissions);

    public void AddKeyframeRequest() => Interlocked.Increment(ref _keyframeRequests);

    public void SetDroppedFrames(long count) => Volatile.Write(ref _droppedFrames, count);

    /// <summary>Copies what <paramref name="video"/> learnt from the viewer's RTCP so far; on the sender's own thread.</summary>
    public void RecordFeedback(RtpTrackSender video)
    {
        Volatile.Write(ref _nacks, video.NacksReceived);
        Volatile.Write(ref _plis, video.PlisReceived);
        Volatile.Write(ref _firs, video.FirsReceived);
        if (video.LastReceptionReport is { } report)
        {
            Volatile.Write(ref _packetsLost, report.CumulativeLost);
            Volatile.Write(ref _fractionLost, report.FractionLost);
            Volatile.Write(ref _jitterSeconds, (double)report.Jitter / video.ClockRate);
        }

        if (video.RoundTripTime is { } rtt)
            Volatile.Write(ref _roundTripTicks, rtt.Ticks);
        Volatile.Write(ref _receptionReports, video.ReceptionReports);
    }
}
