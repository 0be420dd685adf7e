using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using EmsSharp.Interop.Tests.Fmp4;
using EmsSharp.Interop.Tests.Playback;
using EmsSharp.Server;
using EmsSharp.Server.Api;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace EmsSharp.Interop.Tests.Hls;

/// <summary>
/// What the HLS and DASH interop tests share: an API command, ffprobe reading a manifest (counting frames of both tracks),
/// and a player page (hls.js, dash.js from tests/node) in headless Chromium on the ems's origin.
/// </summary>
internal static class SegmentedInterop
{
    public static ValueTask<ApiReply> RunAsync(EmsHost host, string line) =>
        host.Services.GetRequiredService<CommandRegistry>().ExecuteLineAsync(line, new CommandSession(ApiTransport.Http), CancellationToken.None);

    /// <summary>The path of a player's script in tests/node; fails (never skips) when scripts/setup has not installed it.</summary>
    public static string NodeScript(string package, params string[] path)
    {
        var script = Path.Combine([PlaybackRig.FindRepositoryRoot(), "tests", "node", "node_modules", package, .. path]);
        Assert.True(File.Exists(script), $"{package} is required in tests/node (scripts/setup runs npm install there)");
        return script;
    }

    /// <summary>
    /// Opens <paramref name="html"/> at <c>&lt;origin of url&gt;/&lt;prefix&gt;/index.html</c> with <paramref name="script"/> at
    /// <c>/&lt;prefix&gt;/player.js</c>: both come from the test (routed, never the network), on the ems's origin (Chromium
    /// refuses a public origin's requests to loopback); the media comes from the ems. Then waits until the page's
    /// <c>window.samples</c> holds <paramref name="samples"/> entries (else fails with its <c>window.report()</c>).
    /// </summary>
    public static async Task<IPage> PlayAsync(
        IBrowser browser, string url, string prefix, string script, string html, int samples, ITestOutputHelper output)
    {
        var page = await browser.NewPageAsync();
        page.Console += (_, message) => output.WriteLine("page: " + message.Text);
        var origin = new Uri(url).GetLeftPart(UriPartial.Authority);
        await page.RouteAsync($"{origin}/{prefix}/**", route => route.Request.Url.EndsWith("/player.js", StringComparison.Ordinal)
            ? route.FulfillAsync(new RouteFulfillOptions { Path = script, ContentType = "application/javascript" })
            : route.FulfillAsync(new RouteFulfillOptions { Body = html, ContentType = "text/html" }));
        await page.GotoAsync($"{origin}/{prefix}/index.html");
        try
        {
            await page.WaitForFunctionAsync($"() => window.samples.length >= {samples}", null,
                new PageWaitForFunctionOptions { Timeout = 90_000, PollingInterval = 100 });
        }
        catch (TimeoutException)
        {
            Assert.Fail($"the {prefix} player did not play: " + await page.EvaluateAsync<string>("() => JSON.stringify(window.report())"));
        }

        output.WriteLine($"{prefix}: " + await page.EvaluateAsync<string>("() => JSON.stringify(window.report())"));
        return page;
    }

    /// <summary>The median, least and greatest of the page's <c>window.samples</c>.</summary>
    public static async Task<(double Median, double Min, double Max, int Count)> SamplesAsync(IPage page)
    {
        var samples = (await page.EvaluateAsync<double[]>("() => window.samples")).Order().ToArray();
        return (samples[samples.Length / 2], samples[0], samples[^1], samples.Length);
    }

    /// <summary>ffprobe reads <paramref name="url"/> (a playlist or MPD, over HTTP or on disk): one H.264 and one AAC stream, with frames.</summary>
    public static async Task ProbeAsync(string url)
    {
        Assert.True(File.Exists("/usr/bin/ffprobe"), "ffprobe is required at /usr/bin/ffprobe (scripts/setup installs ffmpeg)");
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

    /// <summary>Starts a headless Chromium for a player page.</summary>
    public static Task<IBrowser> LaunchAsync(IPlaywright playwright) => HeadlessChromium.LaunchAsync(playwright);
}
