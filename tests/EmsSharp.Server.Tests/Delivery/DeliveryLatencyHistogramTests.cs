using EmsSharp.Server.Delivery;

namespace EmsSharp.Server.Tests.Delivery;

public sealed class DeliveryLatencyHistogramTests
{
    [Fact]
    public void Percentiles_of_1_to_10000_us_are_within_5_percent()
    {
        var histogram = new DeliveryLatencyHistogram();
        for (var v = 1; v <= 10_000; v++)
            histogram.Record(v);

        Assert.Equal(10_000, histogram.Count);
        Assert.Equal(10_000, histogram.MaxMicroseconds);
        AssertNear(5_000, histogram.Percentile(0.50));
        AssertNear(9_000, histogram.Percentile(0.90));
        AssertNear(9_900, histogram.Percentile(0.99));
        AssertNear(9_990, histogram.Percentile(0.999));
        Assert.Equal(1, histogram.Percentile(0));
    }

    [Fact]
    public void Every_value_from_1_us_to_10_s_maps_to_a_bucket_within_5_percent()
    {
        for (long v = 1; v <= 10_000_000; v = (v * 21 / 20) + 1)
        {
            var midpoint = DeliveryLatencyHistogram.Midpoint(DeliveryLatencyHistogram.BucketOf(v));
            Assert.True(Math.Abs(midpoint - v) <= v * 0.05, $"{v} µs reported as {midpoint} µs");
        }
    }

    [Fact]
    public void Small_values_are_exact_huge_and_negative_ones_are_clamped()
    {
        var histogram = new DeliveryLatencyHistogram();
        histogram.Record(-5);
        histogram.Record(7);
        histogram.Record(long.MaxValue / 2);

        Assert.Equal(0, histogram.Percentile(0.3));
        Assert.Equal(7, histogram.Percentile(0.6));
        Assert.Equal(long.MaxValue / 2, histogram.MaxMicroseconds);
        Assert.True(histogram.Percentile(1) > 10_000_000);
    }

    [Fact]
    public void Reset_empties_the_histogram()
    {
        var histogram = new DeliveryLatencyHistogram();
        histogram.Record(1_000);
        histogram.Reset();

        Assert.Equal(0, histogram.Count);
        Assert.Equal(0, histogram.MaxMicroseconds);
        Assert.Equal(0, histogram.Percentile(0.99));
        histogram.Record(20);
        Assert.Equal(20, histogram.Percentile(0.5));
    }

    [Fact]
    public void Concurrent_writers_lose_no_sample()
    {
        var histogram = new DeliveryLatencyHistogram();
        Parallel.For(0, 4, _ =>
        {
            for (var v = 0; v < 10_000; v++)
                histogram.Record(v);
        });

        Assert.Equal(40_000, histogram.Count);
        Assert.Equal(9_999, histogram.MaxMicroseconds);
    }

    private static void AssertNear(long expected, long actual) =>
        Assert.True(Math.Abs(actual - expected) <= expected * 0.05, $"expected about {expected}, got {actual}");
}
