using System.Net;
using EmsSharp.Server.Delivery;
using EmsSharp.WebRtc;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace EmsSharp.Server.Metrics;

/// <summary>
/// The ems's metrics in Prometheus text format (the OpenTelemetry Prometheus exporter) on the <see cref="MetricsOptions"/>
/// listener: every EmsSharp meter (<see cref="EmsMetrics"/>, <see cref="DeliveryMetrics"/>, the WebRTC port's
/// <see cref="UdpPortDriver.MeterName"/>) plus the .NET runtime's and the process's. Nothing listens to the meters while
/// the endpoint is off, so their instruments cost nothing then. Meters are taken by name, so a process hosting several
/// ems (tests do) reports them all together; a deployment runs one per process.
/// </summary>
internal sealed class MetricsEndpoint(IOptions<EmsOptions> options) : IDisposable
{
    private ListenOptions? _listen;
    private MeterProvider? _provider;

    /// <summary>Whether the endpoint is configured on.</summary>
    public bool Enabled => options.Value.Metrics.Enabled;

    /// <summary>The listener's bound address, once Kestrel started it.</summary>
    public IPEndPoint? BoundEndPoint => _listen?.IPEndPoint is { Port: > 0 } bound ? bound : null;

    /// <summary>The meters' provider, built on first use (only when the endpoint is on).</summary>
    public MeterProvider Provider => _provider ??= Sdk.CreateMeterProviderBuilder()
        .AddMeter(EmsMetrics.MeterName, DeliveryMetrics.MeterName, UdpPortDriver.MeterName)
        .AddRuntimeInstrumentation()
        .AddProcessInstrumentation()
        .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0)
        .Build();

    internal void Attach(ListenOptions listen) => _listen = listen;

    /// <summary>Whether <paramref name="port"/> is the metrics listener's.</summary>
    internal bool IsListenerPort(int port) => BoundEndPoint?.Port == port;

    /// <inheritdoc/>
    public void Dispose() => _provider?.Dispose();
}
