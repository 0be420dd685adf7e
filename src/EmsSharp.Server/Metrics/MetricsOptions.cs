using EmsSharp.Server.Api;

namespace EmsSharp.Server.Metrics;

/// <summary>
/// The Prometheus text endpoint (<c>GET /metrics</c>) on a listener of its own: off by default, and on loopback when on,
/// so the counters are never on a public port unless an operator puts them there.
/// </summary>
internal sealed class MetricsOptions : EndpointOptions
{
    public MetricsOptions()
    {
        Enabled = false;
        Port = 9998;
    }

    /// <summary>Connections the metrics listener holds at once, and per client address.</summary>
    public int MaxConnections { get; set; } = 16;
}
