using System.Diagnostics;

namespace EmsSharp.Load.Signalling;

/// <summary>A fixed-capacity set of latency samples (Stopwatch ticks), safe to add to from many tasks.</summary>
internal sealed class LatencyRecorder(int capacity)
{
    private readonly long[] _samples = new long[capacity];
    private int _count;

    public int Count => Math.Min(Volatile.Read(ref _count), _samples.Length);

    public void Add(long ticks)
    {
        int index = Interlocked.Increment(ref _count) - 1;
        if (index < _samples.Length)
        {
            _samples[index] = ticks;
        }
    }

    /// <summary>p50/p90/p99/max in milliseconds (nearest-rank percentiles); null without samples.</summary>
    public LatencySummary? Summarize()
    {
        int n = Count;
        if (n == 0)
        {
            return null;
        }

        long[] sorted = _samples.AsSpan(0, n).ToArray();
        Array.Sort(sorted);
        return new LatencySummary(n, Ms(Rank(sorted, 0.50)), Ms(Rank(sorted, 0.90)), Ms(Rank(sorted, 0.99)), Ms(sorted[^1]));
    }

    private static long Rank(long[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static double Ms(long ticks) => Math.Round(ticks * 1000.0 / Stopwatch.Frequency, 3);
}
