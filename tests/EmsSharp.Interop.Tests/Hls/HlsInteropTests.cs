using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using EmsSharp.Interop.Tests.Fmp4;
using EmsSharp.Interop.Tests.Ingest;
using EmsSharp.Interop.Tests.Playback;
using EmsSharp.Media.Hub;
using EmsSharp.Server;
using EmsSharp.Server.Api;
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

            var reply = await RunAsync(ems, "createHLSStream localStreamNames=cam targetFolder=hls chunkLength=1 playlistType=rolling playlistLength=6 groupName=g");
            Assert.True(reply.Success, reply.Description);
            var hls = ems.Services.GetRequiredService<HlsOutputManager>().FindByStream("cam")!;
            using (var ready = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
            {
                Assert.True(await hls.Playlist.WaitForAsync(3, null, ready.Token), "no 4 segments; ffmpeg said: " + publisher.Stderr);
            }

            var port = ems.Services.GetRequiredService<WsFmp4Endpoint>().BoundEndPoint!.Port;
            var url = $"http://127.0.0.1:{port}/cam/index.m3u8";
            await ProbeAsync(url);
            await ProbeAsync(Path.Combine(media, "hls", "cam", "playlist.m3u8"));
            await ProbeAsync($"http://127.0.0.1:{port}/g.m3u8");

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

    private static ValueTask<ApiReply> RunAsync(EmsHost host, string line) =>
        host.Services.GetRequiredService<CommandRegistry>().ExecuteLineAsync(line, new CommandSession(ApiTransport.Http), CancellationToken.None);

    private async Task<(double Median, double Min, double Max, int Count)> PlayWithHlsJsAsync(string url)
    {
        var hlsJs = Path.Combine(PlaybackRig.FindRepositoryRoot(), "tests", "node", "node_modules", "hls.js", "dist", "hls.min.js");
        Assert.True(File.Exists(hlsJs), "hls.js is required in tests/node (scripts/setup runs npm install there)");
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await HeadlessChromium.LaunchAsync(playwright);
        var page = await browser.NewPageAsync();
        page.Console += (_, message) => output.WriteLine("page: " + message.Text);

        // The page and hls.js come from the test (routed, never the network), on the ems's origin (Chromium refuses a public
        // origin's requests to loopback); the media from the ems.
        var origin = new Uri(url).GetLeftPart(UriPartial.Authority);
        await page.RouteAsync(origin + "/hlstest/**", route => route.Request.Url.EndsWith("/hls.js", StringComparison.Ordinal)
            ? route.FulfillAsync(new RouteFulfillOptions { Path = hlsJs, ContentType = "application/javascript" })
            : route.FulfillAsync(new RouteFulfillOptions { Body = Page(url), ContentType = "text/html" }));
        await page.GotoAsync(origin + "/hlstest/index.html");
        try
        {
            await page.WaitForFunctionAsync("() => window.samples.length >= 40", null, new PageWaitForFunctionOptions { Timeout = 90_000, PollingInterval = 100 });
        }
        catch (TimeoutException)
        {
            Assert.Fail("hls.js did not play: " + await page.EvaluateAsync<string>("() => JSON.stringify(window.report())"));
        }

        var samples = (await page.EvaluateAsync<double[]>("() => window.samples")).Order().ToArray();
        output.WriteLine("hls.js: " + await page.EvaluateAsync<string>("() => JSON.stringify(window.report())"));
        return (samples[samples.Length / 2], samples[0], samples[^1], samples.Length);
    }

    // hls.js in low-latency mode; once playing, jumps to its live sync position once (it joins 1-3 s further behind, varying from run to run), then samples hls.latency (the live edge minus the position) every 100 ms.
    private static string Page(string url) => $$"""
        <!doctype html><html><body><video id="v" muted autoplay playsinline></video>
        <script src="/hlstest/hls.js"></script>
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

    private static async Task ProbeAsync(string url)
    {
        var info = new ProcessStartInfo("/usr/bin/ffprobe") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in (string[])["-v", "error", "-count_frames", "-read_intervals", "%+2",
                     "-show_entries", "stream=codec_type,codec_name,nb_read_frames", "-of", "json", url])
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info)!;
        try
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(cts.Token);
            Assert.True(process.ExitCode == 0, $"ffprobe {url} failed: " + await stderr);
            var streams = JsonNode.Parse(await stdout)!["streams"]!.AsArray();
            foreach (var (type, codec) in (ReadOnlySpan<(string, string)>)[("video", "h264"), ("audio", "aac")])
            {
                var stream = Assert.Single(streams, s => s!["codec_type"]!.GetValue<string>() == type)!;
                Assert.Equal(codec, stream["codec_name"]!.GetValue<string>());
                Assert.True(int.Parse(stream["nb_read_frames"]!.GetValue<string>(), CultureInfo.InvariantCulture) > 0, $"{url}: no frames: " + stream.ToJsonString());
            }
        }
        finally
        {
            process.KillAndDispose();
        }
    }
}
