using System.Globalization;
using EmsSharp.Interop.Tests.Hls;
using EmsSharp.Interop.Tests.Ingest;
using EmsSharp.Media.Hub;
using EmsSharp.Server.Delivery.Dash;
using EmsSharp.Server.Delivery.Fmp4;
using EmsSharp.Server.Ingest;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace EmsSharp.Interop.Tests.Dash;

/// <summary>
/// createDASHStream end to end: ffmpeg publishes H.264+AAC over RTMP, the ems writes a dynamic MPD and fMP4 segments and
/// serves them over HTTP; ffprobe reads the MPD over HTTP and from disk, and dash.js (tests/node, no CDN) plays it in
/// headless Chromium: its video advances, and its live latency is reported.
/// </summary>
public sealed class DashInteropTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Ffprobe_reads_the_dash_output_over_http_and_from_disk_and_dash_js_plays_it()
    {
        var (ems, folder) = await InteropEms.StartAsync(
            "--Ingest:RtmpAddress", "127.0.0.1", "--WsFmp4:BindAddress", "127.0.0.1", "--Hls:MediaFolder", Path.Combine(Path.GetTempPath(), "ems-dash-" + Guid.NewGuid().ToString("N")));
        var manager = ems.Services.GetRequiredService<DashOutputManager>();
        var media = manager.Options.MediaFolderFullPath;
        try
        {
            var rtmp = ems.Services.GetRequiredService<RtmpServer>().LocalEndPoint!.Port;
            using var publisher = FfmpegProcess.Start(FfmpegProcess.TestSourceArguments(120, $"rtmp://127.0.0.1:{rtmp}/live/cam"));
            var source = await ems.Services.GetRequiredService<StreamHub>().WaitForStreamAsync("cam", TimeSpan.FromSeconds(30));
            Assert.True(source is not null, "no stream; ffmpeg said: " + publisher.Stderr);

            var reply = await SegmentedInterop.RunAsync(ems, "createDASHStream localStreamNames=cam targetFolder=dash chunkLength=1 playlistType=rolling playlistLength=6 groupName=g");
            Assert.True(reply.Success, reply.Description);
            var dash = manager.FindByStream("cam")!;
            foreach (var track in (string[])["video_", "audio_"])
            {
                using var ready = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                Assert.True(await dash.TrackOf(track)!.Store.WaitForAsync(3, null, ready.Token), $"no 4 {track} segments; ffmpeg said: " + publisher.Stderr);
            }

            var port = ems.Services.GetRequiredService<WsFmp4Endpoint>().BoundEndPoint!.Port;
            var url = $"http://127.0.0.1:{port}/cam/manifest.mpd";
            await SegmentedInterop.ProbeAsync(url);
            await SegmentedInterop.ProbeAsync(Path.Combine(media, "dash", "manifest.mpd"));
            await SegmentedInterop.ProbeAsync($"http://127.0.0.1:{port}/g.mpd");

            using var playwright = await Playwright.CreateAsync();
            await using var browser = await SegmentedInterop.LaunchAsync(playwright);
            var page = await SegmentedInterop.PlayAsync(
                browser, url, "dashtest", SegmentedInterop.NodeScript("dashjs", "dist", "modern", "umd", "dash.all.min.js"), Page(url), 50, output);
            var played = await page.EvaluateAsync<double[]>("() => [window.firstTime, window.lastTime, window.firstFrames, window.lastFrames]");
            Assert.True(played[1] - played[0] > 3, $"the video did not advance: currentTime {played[0]} -> {played[1]}");
            Assert.True(played[3] > 90 && played[3] > played[2], $"frames decoded {played[2]} -> {played[3]}");
            var latency = await SegmentedInterop.SamplesAsync(page);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"dash.js live latency (player.getCurrentLiveLatency()), 1 s segments, defaults: median {latency.Median:0.000} s, min {latency.Min:0.000} s, max {latency.Max:0.000} s over {latency.Count} samples"));
            Assert.InRange(latency.Median, 0.5, 10);
            Assert.False(publisher.HasExited, "the publisher stopped: " + publisher.Stderr);
        }
        finally
        {
            await ems.DisposeAsync();
            Directory.Delete(folder, recursive: true);
            Directory.Delete(media, recursive: true);
        }
    }

    // dash.js with its defaults; once playing, samples its live latency every 100 ms, and the video's time and decoded frames.
    private static string Page(string url) => $$"""
        <!doctype html><html><body><video id="v" muted autoplay playsinline></video>
        <script src="/dashtest/player.js"></script>
        <script>
        window.samples = []; window.errors = [];
        const v = document.getElementById('v');
        const player = dashjs.MediaPlayer().create();
        player.on(dashjs.MediaPlayer.events.ERROR, e => window.errors.push(JSON.stringify(e.error)));
        player.initialize(v, '{{url}}', true);
        const frames = () => v.getVideoPlaybackQuality().totalVideoFrames;
        window.report = () => ({ time: v.currentTime, latency: player.getCurrentLiveLatency(), errors: window.errors.slice(0, 10), decoded: frames() });
        setInterval(() => {
          if (v.currentTime > 0 && !v.paused) {
            if (window.firstTime === undefined) { window.firstTime = v.currentTime; window.firstFrames = frames(); }
            window.lastTime = v.currentTime; window.lastFrames = frames();
            window.samples.push(player.getCurrentLiveLatency());
          }
        }, 100);
        </script></body></html>
        """;
}
