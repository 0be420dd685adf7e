using EmsSharp.Load.Viewers;
using EmsSharp.Protocols.Dtls;
using EmsSharp.Server.Tests.Metrics;

namespace EmsSharp.Interop.Tests.Playback;

/// <summary>
/// The ems's Prometheus endpoint while a WebRTC viewer (the load tool's, through a real ers) joins and plays: the scrape
/// parses, and the session and viewer gauges move from none to one. Alone: the exporter reads every meter of the
/// process by name, so another test's ems running meanwhile would add its sessions to these gauges.
/// </summary>
[Collection(PlaybackAloneCollection.Name)]
public sealed class MetricsInteropTests
{
    [Fact]
    public async Task The_metrics_parse_and_count_a_viewer_that_joins()
    {
        await using var rig = await PlaybackRig.StartWithoutBrowserAsync("--Metrics:Enabled", "true", "--Metrics:Port", "0");
        await rig.StartWebrtcAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://{rig.Ems.MetricsEndPoint}/") };
        var metrics = new Uri("metrics", UriKind.Relative);
        var before = await PrometheusText.ScrapeAsync(http, metrics);
        Assert.Equal(0, before.GetValueOrDefault("ems_webrtc_worker_sessions"));
        Assert.Equal(0, before.GetValueOrDefault("ems_delivery_stream_viewers"));

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var signalling = rig.ViewerSignalling(ViewerTransport.Srtp);
        await using var viewer = new SimulatedViewer(signalling.Create(), ViewerTransport.Srtp, "test", DtlsCertificate.Generate());
        await viewer.JoinAsync(timeout.Token);
        await viewer.WaitForPacketsAsync(1, timeout.Token);

        var during = await PrometheusText.ScrapeAsync(http, metrics);
        Assert.Equal(1, during["ems_webrtc_worker_sessions"]);
        Assert.Equal(1, during["ems_delivery_stream_viewers"]);
        Assert.True(during["ems_webrtc_udp_datagrams_sent_total"] > 0, "no datagram counted as sent");
    }
}
