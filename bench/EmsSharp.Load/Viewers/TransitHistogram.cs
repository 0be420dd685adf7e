using System.Diagnostics;
using EmsSharp.Protocols.Rtp;

namespace EmsSharp.Load.Viewers;

/// <summary>
/// One-way transit of RTP packets from the server's send to a viewer's receive, shared by every viewer of a run: the
/// abs-send-time the ems writes (24-bit, 6.18 fixed-point seconds of the machine's monotonic clock, modulo 64 s)
/// against the same clock at arrival: the datagram's arrival in the viewer's socket with the shared receive threads (the
/// kernel's receive timestamp, so the wait for the tool is left out), its read otherwise. Valid on one machine only
/// (loopback), where both read one clock.
/// Fixed buckets of two abs-send-time units (about 7.6 µs) up to about 0.5 s, counted without locks or allocation.
/// </summary>
internal sealed class TransitHistogram
{
    private const int UnitsPerBucket = 2;
    private const int Buckets = 1 << 16;
    private const double MillisecondsPerUnit = 1000.0 / (1 << 18);
    private const uint HalfRange = 1 << 23;

    private readonly long[] _counts = new long[Buckets + 1]; // the last one: beyond the range

    /// <summary>Records a packet stamped <paramref name="absSendTime"/> (the 3-byte extension value) arriving now.</summary>
    public void Record(ReadOnlySpan<byte> absSendTime) => Record(absSendTime, Stopwatch.GetTimestamp());

    /// <summary>
    /// Records a packet stamped <paramref name="absSendTime"/> that was read at <see cref="Stopwatch"/> timestamp
    /// <paramref name="receivedAt"/> (a receive thread reads the clock once per batch of datagrams).
    /// </summary>
    public void Record(ReadOnlySpan<byte> absSendTime, long receivedAt)
    {
        if (absSendTime.Length != 3)
        {
            return;
        }

        uint sent = (uint)((absSendTime[0] << 16) | (absSendTime[1] << 8) | absSendTime[2]);
        uint received = RtpHeaderExtensionWriter.ToAbsSendTime(Stopwatch.GetElapsedTime(0, receivedAt));
        uint transit = (received - sent) & 0xFFFFFF;
        if (transit >= HalfRange)
        {
            return; // "arrived before it was sent": not the shared clock (another machine, or no abs-send-time origin)
        }

        Interlocked.Increment(ref _counts[Math.Min(transit / UnitsPerBucket, Buckets)]);
    }

    /// <summary>The counts so far, to subtract from a later snapshot.</summary>
    public long[] Snapshot()
    {
        long[] copy = new long[_counts.Length];
        for (int i = 0; i < copy.Length; i++)
        {
            copy[i] = Interlocked.Read(ref _counts[i]);
        }

        return copy;
    }

    /// <summary>Percentiles (ms, bucket middles; nearest rank) of what was recorded between two snapshots; null if nothing.</summary>
    public static ViewerPercentiles? Between(long[] start, long[] end, out long samples)
    {
        long[] counts = new long[end.Length];
        samples = 0;
        for (int i = 0; i < counts.Length; i++)
        {
            counts[i] = end[i] - start[i];
            samples += counts[i];
        }

        if (samples == 0)
        {
            return null;
        }

        long total = samples;
        double Rank(double p)
        {
            long rank = Math.Max(1, (long)Math.Ceiling(p * total));
            long seen = 0;
            for (int i = 0; i < counts.Length; i++)
            {
                seen += counts[i];
                if (seen >= rank)
                {
                    return Math.Round((i + 0.5) * UnitsPerBucket * MillisecondsPerUnit, 3);
                }
            }

            return double.NaN;
        }

        return new ViewerPercentiles(Rank(0.50), Rank(0.90), Rank(0.99), Rank(1.0));
    }
}
