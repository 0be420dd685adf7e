using EmsSharp.Protocols.Rtcp;

namespace EmsSharp.Protocols.Rtp;

/// <summary>
/// What a receiver reports about one source (RFC 3550 §6.4.1, Appendix A.1 and A.3): the extended highest sequence
/// number, the packets lost in all and since the last report, and the last sender report's time, for a reception
/// report block. Jitter is not measured (reported as 0). Not thread-safe.
/// </summary>
/// <param name="ssrc">The source reported on.</param>
public sealed class RtpReceptionStats(uint ssrc)
{
    // RFC 3550 §6.4.1: the cumulative number of packets lost is a 24-bit signed field.
    private const int MaxLost = 0x7F_FFFF;
    private const int MinLost = -0x80_0000;

    private bool _started;
    private uint _base;
    private ushort _max;
    private uint _cycles;
    private long _received;
    private long _expectedPrior;
    private long _receivedPrior;
    private uint _lastSenderReport;
    private long? _lastSenderReportAt;

    /// <summary>The source reported on.</summary>
    public uint Ssrc => ssrc;

    /// <summary>Packets received (duplicates and late ones included, as RFC 3550 A.3 counts them).</summary>
    public long Received => _received;

    /// <summary>The extended highest sequence number received (RFC 3550 §6.4.1): the wraps in the high 16 bits.</summary>
    public uint ExtendedHighestSequence => _cycles + _max;

    /// <summary>Counts a packet of the source (RFC 3550 A.1, without the probation of a new source).</summary>
    public void OnPacket(ushort sequenceNumber)
    {
        _received++;
        if (!_started)
        {
            _started = true;
            _base = sequenceNumber;
            _max = sequenceNumber;
            return;
        }

        var delta = (ushort)(sequenceNumber - _max);
        if (delta is > 0 and < 0x8000)
        {
            if (sequenceNumber < _max)
            {
                _cycles += 1u << 16; // the sequence number wrapped
            }

            _max = sequenceNumber;
        }
    }

    /// <summary>
    /// Notes a sender report of the source: the middle 32 bits of its NTP timestamp and when it came
    /// (<paramref name="arrivedAt"/>, a <see cref="TimeProvider"/> timestamp), for LSR and DLSR.
    /// </summary>
    public void OnSenderReport(ulong ntpTimestamp, long arrivedAt)
    {
        _lastSenderReport = NtpTimestamp.ToCompact(ntpTimestamp);
        _lastSenderReportAt = arrivedAt;
    }

    /// <summary>
    /// The report block as of <paramref name="now"/> (a timestamp of <paramref name="time"/>), and the start of the next
    /// report interval (RFC 3550 A.3: fraction lost is over the packets expected since the last report).
    /// </summary>
    public RtcpReportBlock Report(TimeProvider time, long now)
    {
        ArgumentNullException.ThrowIfNull(time);
        var expected = _started ? (long)ExtendedHighestSequence - _base + 1 : 0;
        var lost = Math.Clamp(expected - _received, MinLost, MaxLost);
        var expectedInterval = expected - _expectedPrior;
        var lostInterval = expectedInterval - (_received - _receivedPrior);
        _expectedPrior = expected;
        _receivedPrior = _received;
        var fraction = expectedInterval == 0 || lostInterval <= 0 ? 0 : (byte)Math.Min(255, (lostInterval << 8) / expectedInterval);

        // DLSR in 1/65536 s since the last SR arrived; 0 with no SR yet (RFC 3550 §6.4.1).
        uint delay = 0;
        if (_lastSenderReportAt is { } at)
        {
            delay = (uint)Math.Min(uint.MaxValue, time.GetElapsedTime(at, now).TotalSeconds * 65536);
        }

        return new RtcpReportBlock(ssrc, (byte)fraction, (int)lost, ExtendedHighestSequence, 0, _lastSenderReport, delay);
    }
}
