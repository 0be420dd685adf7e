using System.Diagnostics;

namespace EmsSharp.Server.Delivery;

/// <summary>
/// A lock-free, allocation-free histogram of server-added latency in microseconds (1 µs .. ~16.7 s), log-linear:
/// values below 32 µs have a bucket each; above, every power of two is split into 32 equal buckets, so a bucket is at
/// most 1/32 (3.1%) of its value wide and the reported midpoint is within 1.6%. Writers use Interlocked increments
/// only; readers take an approximate snapshot (fine for percentiles of a running server).
/// </summary>
internal sealed class DeliveryLatencyHistogram
{
    private const int SubBucketBits = 5;
    private const int SubBuckets = 1 << SubBucketBits; // 32
    private const int MaxExponent = 23; // 2^24 µs ≈ 16.7 s: larger values land in the last bucket
    private const int BucketCount = SubBuckets + ((MaxExponent - SubBucketBits + 1) * SubBuckets);

    private readonly long[] _buckets = new long[BucketCount];
    private long _count;
    private long _max;

    /// <summary>Samples recorded since the last reset.</summary>
    public long Count => Interlocked.Read(ref _count);

    /// <summary>The largest sample since the last reset, in microseconds.</summary>
    public long MaxMicroseconds => Interlocked.Read(ref _max);

    /// <summary>Records the time elapsed since <paramref name="stopwatchTimestamp"/> (a <see cref="Stopwatch.GetTimestamp"/> value).</summary>
    public void RecordSince(long stopwatchTimestamp) =>
        Record((Stopwatch.GetTimestamp() - stopwatchTimestamp) * 1_000_000 / Stopwatch.Frequency);

    /// <summary>Records one sample of <paramref name="microseconds"/> (negative values count as 0).</summary>
    public void Record(long microseconds)
    {
        var value = Math.Max(0, microseconds);
        Interlocked.Increment(ref _buckets[BucketOf(value)]);
        Interlocked.Increment(ref _count);
        var max = Interlocked.Read(ref _max);
        while (value > max)
        {
            var seen = Interlocked.CompareExchange(ref _max, value, max);
            if (seen == max)
            {
                break;
            }

            max = seen;
        }
    }

    /// <summary>
    /// The value at <paramref name="quantile"/> (0..1) in microseconds: the midpoint of the bucket holding that rank,
    /// capped by the maximum seen. 0 when empty.
    /// </summary>
    public long Percentile(double quantile)
    {
        var total = Count;
        if (total == 0)
        {
            return 0;
        }

        var rank = (long)Math.Ceiling(Math.Clamp(quantile, 0, 1) * total);
        rank = Math.Max(1, rank);
        long seen = 0;
        for (var i = 0; i < BucketCount; i++)
        {
            seen += Interlocked.Read(ref _buckets[i]);
            if (seen >= rank)
            {
                return Math.Min(Midpoint(i), MaxMicroseconds);
            }
        }

        return MaxMicroseconds;
    }

    /// <summary>Clears every bucket (samples recorded meanwhile may be lost or kept; both are fine for a reset).</summary>
    public void Reset()
    {
        for (var i = 0; i < BucketCount; i++)
        {
            Interlocked.Exchange(ref _buckets[i], 0);
        }

        Interlocked.Exchange(ref _count, 0);
        Interlocked.Exchange(ref _max, 0);
    }

    internal static int BucketOf(long value)
    {
        if (value < SubBuckets)
        {
            return (int)value;
        }

        var exponent = 63 - (int)long.LeadingZeroCount(value);
        if (exponent > MaxExponent)
        {
            return BucketCount - 1;
        }

        var sub = (int)(value >> (exponent - SubBucketBits)) & (SubBuckets - 1);
        return SubBuckets + ((exponent - SubBucketBits) * SubBuckets) + sub;
    }

    // Bucket i covers [low, low + width): midpoint low + width / 2 (exact for the unit-wide buckets below 32).
    internal static long Midpoint(int bucket)
    {
        if (bucket < SubBuckets)
        {
            return bucket;
        }

        var exponent = ((bucket - SubBuckets) / SubBuckets) + SubBucketBits;
        var sub = (bucket - SubBuckets) % SubBuckets;
        var width = 1L << (exponent - SubBucketBits);
        var low = (SubBuckets + sub) * width;
        return low + (width / 2);
    }
}
