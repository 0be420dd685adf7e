using System.Globalization;
using EmsSharp.Interop.Tests.Ingest;
using EmsSharp.Media.Hub;
using EmsSharp.Server.Delivery.Fmp4;
using EmsSharp.Server.Delivery.Hls;
using EmsSharp.Server.Ingest;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace EmsSharp.Interop.Tests.Hls;

/// <summary>
/// createHLSStream end to end: ffmpeg publishes H.264+AAC over RTMP, the ems writes fMP4 HLS and serves LL-HLS; ffprobe reads
/// the playlist and segments over HTTP and from disk, and hls.js (tests/node, no CDN) plays the LL-HLS stream in headless
/// Chromium and reports its latency (the playlist's live edge minus the playback position).
/// </summary>
public sealed class HlsInteropTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Ffprobe_reads_the_hls_output_over_http_and_from_disk_and_hls_js_plays_it_in_low_latency()
    {
        var (ems, folder) = await InteropEms.StartAsync(
            "--Ingest:RtmpAddress", "127.0.0.1", "--WsFmp4:BindAddress", "127.0.0.1", "--Hls:MediaFolder", Path.Combine(Path.GetTempPath(), "ems-hls-" + Guid.NewGuid().ToString("N")));
        var media = ems.Services.GetRequiredService<HlsOutputManager>().Options.MediaFolderFullPath;
        try
        {
            var rtmp = ems.Services.GetRequiredService<RtmpServer>().LocalEndPoint!.Port;
            using var publisher = FfmpegProcess.Start(FfmpegProcess.TestSourceArguments(120, $"rtmp://127.0.0.1:{rtmp}/live/cam"));
            var source = await ems.Services.GetRequiredService<StreamHub>().WaitForStreamAsync("cam", TimeSpan.FromSeconds(30));
            Assert.True(source is not null, "no stream; ffmpeg said: " + publisher.Stderr);

            var reply = await SegmentedInterop.RunAsync(ems, "createHLSStream localStreamNames=cam targetFolder=hls chunkLength=1 playlistType=rolling playlistLength=6 groupName=g");
            Assert.True(reply.Success, reply.Description);
            var hls = ems.Services.GetRequiredService<HlsOutputManager>().FindByStream("cam")!;
            using (var ready = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
            {
                Assert.True(await hls.Playlist.WaitForAsync(3, null, ready.Token), "no 4 segments; ffmpeg said: " + publisher.Stderr);
            }

            var port = ems.Services.GetRequiredService<WsFmp4Endpoint>().BoundEndPoint!.Port;
            var url = $"http://127.0.0.1:{port}/cam/index.m3u8";
            await SegmentedInterop.ProbeAsync(url);
            await SegmentedInterop.ProbeAsync(Path.Combine(media, "hls", "cam", "playlist.m3u8"));
            await SegmentedInterop.ProbeAsync($"http://127.0.0.1:{port}/g.m3u8");

            var latency = await PlayWithHlsJsAsync(url);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"hls.js LL-HLS latency (live edge - playback position), 200 ms parts, 1 s segments: median {latency.Median:0.000} s, min {latency.Min:0.000} s, max {latency.Max:0.000} s over {latency.Count} samples"));
            Assert.True(latency.Median < 2, $"latency {latency.Median:0.000} s");
            Assert.False(publisher.HasExited, "the publisher stopped: " + publisher.Stderr);
        }
        finally
        {
            await ems.DisposeAsync();
            Directory.Delete(folder, recursive: true);
            Directory.Delete(media, recursive: true);
        }
    }

    private async Task<(double Median, double Min, double Max, int Count)> PlayWithHlsJsAsync(string url)
    {
        var hlsJs = SegmentedInterop.NodeScript("hls.js", "dist", "hls.min.js");
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await SegmentedInterop.LaunchAsync(playwright);
        var page = await SegmentedInterop.PlayAsync(browser, url, "hlstest", hlsJs, Page(url), 40, output);
        return await SegmentedInterop.SamplesAsync(page);
    }

    // hls.js in low-latency mode; once playing, jumps to its live sync position once (it joins 1-3 s further behind, varying from run to run), then samples hls.latency (the live edge minus the position) every 100 ms.
    private static string Page(string url) => $$"""
        <!doctype html><html><body><video id="v" muted autoplay playsinline></video>
        <script src="/hlstest/player.js"></script>
        <script>
        window.samples = []; window.errors = []; window.seeked = 0; let started = 0;
        const v = document.getElementById('v');
        const hls = new Hls({ lowLatencyMode: true, backBufferLength: 10, maxLiveSyncPlaybackRate: 1.5 });
        hls.on(Hls.Events.ERROR, (e, d) => window.errors.push(d.details + (d.fatal ? ' (fatal)' : '')));
        hls.loadSource('{{url}}'); hls.attachMedia(v);
        v.play().catch(() => {});
        window.report = () => ({ time: v.currentTime, latency: hls.latency, target: hls.targetLatency, errors: window.errors.slice(0, 10), decoded: v.getVideoPlaybackQuality().totalVideoFrames });
        setInterval(() => {
          if (v.currentTime > 0 && !v.paused) {
            started = started || performance.now();
            // Once, after 2 s of play: go to hls.js's own live sync position (a player's "go live"), then measure from 5 s on.
            if (!window.seeked && performance.now() - started > 2000 && hls.liveSyncPosition) { window.seeked = performance.now(); v.currentTime = hls.liveSyncPosition; }
            if (window.seeked && performance.now() - window.seeked > 5000) window.samples.push(hls.latency);
          }
        }, 100);
        </script></body></html>
        """;
}
