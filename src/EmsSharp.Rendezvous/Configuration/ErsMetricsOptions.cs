namespace EmsSharp.Rendezvous.Configuration;

/// <summary>
/// The <c>metrics</c> section (ours): Prometheus text at <c>GET /metrics</c> on a listener of its own, off by default and
/// on loopback when on.
/// </summary>
public sealed class ErsMetricsOptions
{
    /// <summary>Serve the metrics.</summary>
    public bool Enabled { get; set; }

    /// <summary>Address of the metrics listener.</summary>
    public string BindIP { get; set; } = "127.0.0.1";

    /// <summary>Port of the metrics listener; 0 picks a free one (tests). 9999: the ems's is 9998, so both fit on one host.</summary>
    public int Port { get; set; } = 9999;

    /// <summary>Connections the metrics listener holds at once, and per client address.</summary>
    public int MaxConnections { get; set; } = 16;
}
