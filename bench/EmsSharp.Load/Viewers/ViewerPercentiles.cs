namespace EmsSharp.Load.Viewers;

/// <summary>Percentiles of a set of times in milliseconds (nearest rank), as written to the result JSON.</summary>
internal sealed record ViewerPercentiles(double P50, double P90, double P99, double Max)
{
    /// <summary>Null without samples. Sorts <paramref name="samples"/> in place.</summary>
    public static ViewerPercentiles? From(List<double> samples)
    {
        if (samples.Count == 0)
        {
            return null;
        }

        samples.Sort();
        return new ViewerPercentiles(Rank(samples, 0.50), Rank(samples, 0.90), Rank(samples, 0.99), Math.Round(samples[^1], 1));
    }

    private static double Rank(List<double> sorted, double p) =>
        Math.Round(sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)], 1);
}
