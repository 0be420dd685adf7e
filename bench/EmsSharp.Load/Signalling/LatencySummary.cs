namespace EmsSharp.Load.Signalling;

/// <summary>Latency percentiles in milliseconds.</summary>
internal sealed record LatencySummary(int Samples, double P50Ms, double P90Ms, double P99Ms, double MaxMs);
