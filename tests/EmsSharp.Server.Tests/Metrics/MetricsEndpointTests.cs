using System.Net;

namespace EmsSharp.Server.Tests.Metrics;

/// <summary>
/// The Prometheus endpoint: off by default; when on, <c>GET /metrics</c> on its own listener is Prometheus text (every
/// line a comment or a well-formed sample) whose counters move with the server, and nothing else is served there.
/// </summary>
public sealed class MetricsEndpointTests
{
    private static readonly Uri Metrics = new("metrics", UriKind.Relative);

    [Fact]
    public async Task Is_off_by_default()
    {
        await TestEms.WithAsync(ems =>
        {
            Assert.Null(ems.Host.MetricsEndPoint);
            return Task.CompletedTask;
        });
    }

    [Fact]
    public async Task Serves_prometheus_text_whose_counters_move_and_nothing_else()
    {
        await TestEms.WithAsync(async ems =>
        {
            var endPoint = ems.Host.MetricsEndPoint;
            Assert.NotNull(endPoint);
            Assert.Equal(IPAddress.Loopback, endPoint.Address);
            using var client = new HttpClient { BaseAddress = new Uri($"http://{endPoint}/") };

            var before = await PrometheusText.ScrapeAsync(client, Metrics);
            Assert.Contains(before.Keys, name => name.StartsWith("process_", StringComparison.Ordinal));
            Assert.Contains(before.Keys, name => name.StartsWith("dotnet_", StringComparison.Ordinal));
            Assert.Equal("SUCCESS", (await ems.HttpAsync("version")).Status());
            var after = await PrometheusText.ScrapeAsync(client, Metrics);
            Assert.True(after["ems_api_commands_succeeded_total"] >= before.GetValueOrDefault("ems_api_commands_succeeded_total") + 1,
                "the API's command counter did not move");

            // The listener serves the metrics only: no API command, no other path.
            using var version = await client.GetAsync(new Uri("version", UriKind.Relative));
            Assert.Equal(HttpStatusCode.NotFound, version.StatusCode);
            // And the API's listener does not serve the metrics: there /metrics is an unknown command.
            Assert.Equal("FAIL", (await ems.HttpAsync("metrics")).Status());
        }, o =>
        {
            o.Metrics.Enabled = true;
            o.Metrics.Port = 0;
        });
    }
}
