using System.Text.Json;
using System.Text.RegularExpressions;
using EmsSharp.Load.Viewers;
using EmsSharp.Protocols.Dtls;
using EmsSharp.Server.Tests.Metrics;
using Xunit.Abstractions;

namespace EmsSharp.Interop.Tests.Playback;

/// <summary>
/// The ems's Prometheus endpoint while WebRTC viewers (the load tool's, and Chromium, through a real ers) join and play:
/// the scrape parses, the session and viewer gauges move from none to one, the viewers' RTCP (NACKs, reports, loss, round
/// trips) and paths are counted, and every name the sample Grafana dashboard queries is exported. Alone: the exporter
/// reads every meter of the process by name, so another test's ems running meanwhile would add its sessions to these.
/// </summary>
[Collection(PlaybackAloneCollection.Name)]
public sealed partial class MetricsInteropTests(ITestOutputHelper output)
{
    private static readonly Uri Metrics = new("metrics", UriKind.Relative);

    [Fact]
    public async Task The_metrics_parse_and_count_a_viewer_that_joins_and_the_nacks_of_its_losses()
    {
        await using var rig = await PlaybackRig.StartWithoutBrowserAsync("--Metrics:Enabled", "true", "--Metrics:Port", "0");
        await rig.StartWebrtcAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://{rig.Ems.MetricsEndPoint}/") };
        var before = await PrometheusText.ScrapeAsync(http, Metrics);
        Assert.Equal(0, before.GetValueOrDefault("ems_webrtc_worker_sessions"));
        Assert.Equal(0, before.GetValueOrDefault("ems_delivery_stream_viewers"));
        Assert.Equal(0, before.GetValueOrDefault("ems_webrtc_sessions"));

        // A lossy network: the viewer drops every 10th video packet on arrival and NACKs it (as a browser would).
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var signalling = rig.ViewerSignalling(ViewerTransport.Srtp);
        await using var viewer = new SimulatedViewer(signalling.Create(), ViewerTransport.Srtp, "test", DtlsCertificate.Generate())
        {
            DropEveryNthVideoPacket = 10,
        };
        await viewer.JoinAsync(timeout.Token);
        await viewer.WaitForPacketsAsync(1, timeout.Token);

        var during = PrometheusText.Sums(await ScrapeUntilAsync(http, s => s.GetValueOrDefault("ems_webrtc_session_retransmissions_total") > 0
            && s.GetValueOrDefault("ems_webrtc_session_reception_reports_total") > 0, TimeSpan.FromSeconds(15)));
        Assert.Equal(1, during["ems_webrtc_worker_sessions"]);
        Assert.Equal(1, during["ems_delivery_stream_viewers"]);
        Assert.Equal(1, during["ems_webrtc_sessions"]);
        Assert.True(during["ems_webrtc_udp_datagrams_sent_total"] > 0, "no datagram counted as sent");
        Assert.True(during["ems_webrtc_session_nacks_total"] > 0, "no NACK counted");
        Assert.True(during["ems_delivery_stream_sent_bytes_total"] > 0, "no byte counted as sent to the viewer");
        Assert.True(during["ems_stream_received_bytes_total"] > 0, "no byte counted as received from the publisher");
        Assert.Equal(0, during["ems_webrtc_session_plis_total"] + during["ems_webrtc_session_firs_total"]);
    }

    [Fact]
    public async Task A_browsers_reports_give_its_round_trip_and_loss_and_the_dashboard_queries_only_exported_names()
    {
        await using var rig = await PlaybackRig.StartAsync(o =>
        {
            o.Metrics.Enabled = true;
            o.Metrics.Port = 0;
        }, "--Metrics:Enabled", "true", "--Metrics:Port", "0");
        await rig.StartWebrtcAsync();
        using var ems = new HttpClient { BaseAddress = new Uri($"http://{rig.Ems.MetricsEndPoint}/") };
        using var ers = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{rig.Ers.MetricsPort}/") };
        var page = rig.Chromium.Page;
        await page.GotoAsync(rig.PlayerUrl("test"));
        await PlaybackRig.WaitForStatsAsync(page, s => s.GetProperty("framesDecoded").GetInt32() > 0, TimeSpan.FromSeconds(20), rig);

        // Chromium's receiver reports echo the server's sender reports (one a second each way).
        var samples = await ScrapeUntilAsync(ems, s => s.ContainsKey("ems_webrtc_session_rtt_max_seconds"), TimeSpan.FromSeconds(15));
        var sums = PrometheusText.Sums(samples);
        output.WriteLine($"rtt max {sums["ems_webrtc_session_rtt_max_seconds"]} s, mean {sums["ems_webrtc_session_rtt_mean_seconds"]} s, "
            + $"reports {sums["ems_webrtc_session_reception_reports_total"]}");
        Assert.InRange(sums["ems_webrtc_session_rtt_max_seconds"], 0, 0.999);
        Assert.InRange(sums["ems_webrtc_session_rtt_mean_seconds"], 0, 0.999);
        Assert.True(sums["ems_webrtc_session_reception_reports_total"] > 0, "no reception report counted");
        Assert.Equal(0, sums["ems_webrtc_session_fraction_lost_max"]); // loopback
        Assert.Equal(0, sums["ems_webrtc_session_packets_lost_total"]);
        Assert.InRange(sums["ems_webrtc_session_jitter_max_seconds"], 0, 0.999);

        // One direct session over the shared UDP port. Which direct candidate the server sees is the browser's doing: on
        // loopback its checks may come from its STUN-learnt address (srflx, the room has the ers's STUN server), from one
        // of its interfaces' (host), or from one it never trickled (prflx); never a relay.
        var session = Assert.Single(samples, s => s.Name == "ems_webrtc_sessions");
        Assert.Equal(1, session.Value);
        Assert.Equal("srtp", session.Labels["transport"]);
        Assert.Equal("udp", session.Labels["path"]);
        Assert.Contains(session.Labels["candidate_type"], new[] { "host", "srflx", "prflx" });

        var exported = PrometheusText.Sums(samples).Keys.Concat((await PrometheusText.ScrapeAsync(ers, Metrics)).Keys).ToHashSet();
        var queried = DashboardMetricNames();
        Assert.Contains("ems_webrtc_session_rtt_max_seconds", queried);
        Assert.Contains("ers_sockets", queried);
        var missing = queried.Except(exported).Order().ToList();
        Assert.Empty(missing);
    }

    // Every ems_ or ers_ metric name in the exprs of the sample dashboard's queries.
    private static HashSet<string> DashboardMetricNames()
    {
        var path = Path.Combine(PlaybackRig.FindRepositoryRoot(), "packaging", "grafana", "emssharp-dashboard.json");
        using var dashboard = JsonDocument.Parse(File.ReadAllText(path));
        var names = new HashSet<string>(StringComparer.Ordinal);
        var exprs = 0;
        Collect(dashboard.RootElement);
        Assert.True(exprs >= 10, $"only {exprs} queries found in {path}");
        return names;

        void Collect(JsonElement element)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var property in element.EnumerateObject())
                    {
                        if (property.Name == "expr" && property.Value.ValueKind == JsonValueKind.String)
                        {
                            exprs++;
                            foreach (Match name in MetricName().Matches(property.Value.GetString()!))
                                names.Add(name.Value);
                        }
                        else
                        {
                            Collect(property.Value);
                        }
                    }

                    break;
                case JsonValueKind.Array:
                    foreach (var item in element.EnumerateArray())
                        Collect(item);
                    break;
                default:
                    break;
            }
        }
    }

    // Scrapes until the sums satisfy the condition (the viewers' reports come about once a second), failing at the deadline.
    private static async Task<List<PrometheusSample>> ScrapeUntilAsync(
        HttpClient http, Func<Dictionary<string, double>, bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var samples = await PrometheusText.ScrapeSamplesAsync(http, Metrics);
            var sums = PrometheusText.Sums(samples);
            if (condition(sums))
                return samples;
            Assert.True(DateTime.UtcNow < deadline, "the metrics did not get there in time: "
                + string.Join(", ", sums.Where(s => s.Key.StartsWith("ems_webrtc_session", StringComparison.Ordinal)).Select(s => $"{s.Key}={s.Value}")));
            await Task.Delay(250);
        }
    }

    // A name, not a dashboard variable ($ems_job) nor the end of another name.
    [GeneratedRegex(@"(?<![\w$])(?:ems|ers)_[a-zA-Z0-9_]+")]
    private static partial Regex MetricName();
}
