using System.Text.Json;
using EmsSharp.Server;
using EmsSharp.Server.Delivery.Fmp4;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace EmsSharp.Interop.Tests.Fmp4;

/// <summary>
/// The ems host in-process plays samples/test.flv as the live stream <c>test</c>; headless Chromium connects a
/// WebSocket to the WS-FMP4 port, feeds web/js/ems-fmp4.js and must keep decoding frames.
/// </summary>
public sealed class WsFmp4ChromiumTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Origin = "http://127.0.0.1"; // a loopback page: Chromium lets it open loopback WebSockets
    private readonly string _dataFolder = Directory.CreateTempSubdirectory("ems-wsfmp4-").FullName;
    private EmsHost _ems = null!;
    private int _port;

    public async Task InitializeAsync()
    {
        _ems = EmsHost.Create(
            [
                "--Ingest:RtmpPort", "0", "--Ingest:RtspPort", "0", "--WsFmp4:Port", "0", "--WsFmp4:BindAddress", "127.0.0.1", "--Whep:Port", "0", "--Whep:BindAddress", "127.0.0.1",
                "--WsFmp4:StreamWaitTimeout", "00:00:02",
                "--Ingest:FileSources:0:Path", HeadlessChromium.FindRepositoryFile("samples/test.flv"),
                "--Ingest:FileSources:0:StreamName", "test",
            ],
            o =>
            {
                o.DataFolder = _dataFolder;
                o.Api.AsciiCli.Port = 0;
                o.Api.JsonCli.Port = 0;
                o.Api.Http.Port = 0;
            },
            s => s.AddLogging(b => b.ClearProviders()));
        await _ems.StartAsync(CancellationToken.None);
        _port = _ems.Services.GetRequiredService<WsFmp4Endpoint>().BoundEndPoint!.Port;
    }

    public async Task DisposeAsync()
    {
        await _ems.DisposeAsync();
        Directory.Delete(_dataFolder, recursive: true);
    }

    [Fact]
    public async Task Chromium_plays_the_file_source_over_ws_fmp4_and_frames_keep_rising()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await HeadlessChromium.LaunchAsync(playwright);
        var page = await OpenPageAsync(browser);
        await page.EvaluateAsync("url => window.start(url)", $"ws://127.0.0.1:{_port}/test?progressive&adaptive");

        var first = await WaitForAsync(page, s => s.GetProperty("frames").GetInt32() >= 30 && s.GetProperty("currentTime").GetDouble() > 0.5);
        var second = await WaitForAsync(page, s => s.GetProperty("frames").GetInt32() >= first.GetProperty("frames").GetInt32() + 30
            && s.GetProperty("currentTime").GetDouble() >= first.GetProperty("currentTime").GetDouble() + 1.0);
        output.WriteLine("first: " + first);
        output.WriteLine("second: " + second);
        var joinMs = second.GetProperty("firstFrameMs").GetDouble();
        output.WriteLine($"join to first decoded frame: {joinMs:F0} ms");
        Assert.True(joinMs is > 0 and < 3000, second.ToString());
        Assert.True(second.GetProperty("messages").GetInt32() > first.GetProperty("messages").GetInt32());

        var source = _ems.Services.GetRequiredService<Fmp4SourceManager>().Find("test");
        Assert.NotNull(source);
        Assert.Equal(1, source.SubscriberCount);
        await page.EvaluateAsync("() => window.stop()");
        await source.Completion.WaitAsync(TimeSpan.FromSeconds(10)); // the last viewer left: the source stops
    }

    [Fact]
    public async Task Chromium_sees_the_unknown_stream_close_reason()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await HeadlessChromium.LaunchAsync(playwright);
        var page = await OpenPageAsync(browser);
        await page.EvaluateAsync("url => window.start(url)", $"ws://127.0.0.1:{_port}/nope");
        var state = await WaitForAsync(page, s => s.GetProperty("closeCode").GetInt32() != 0);
        output.WriteLine(state.ToString());
        Assert.Equal(1008, state.GetProperty("closeCode").GetInt32());
        Assert.Equal("stream not found: nope", state.GetProperty("closeReason").GetString());
    }

    private async Task<IPage> OpenPageAsync(IBrowser browser)
    {
        // Chromium's Local Network Access checks block a routed (hence "public") page's loopback WebSocket
        // unless the page holds the permission.
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { Permissions = ["local-network-access"] });
        var page = await context.NewPageAsync();
        page.Console += (_, message) => output.WriteLine("console: " + message.Text);
        var script = await File.ReadAllTextAsync(HeadlessChromium.FindRepositoryFile("web/js/ems-fmp4.js"));
        await page.RouteAsync(Origin + "/**", route => route.Request.Url switch
        {
            Origin + "/" => route.FulfillAsync(new() { ContentType = "text/html", Body = Page }),
            Origin + "/ems-fmp4.js" => route.FulfillAsync(new() { ContentType = "text/javascript", Body = script }),
            _ => route.AbortAsync(),
        });
        await page.GotoAsync(Origin + "/");
        return page;
    }

    // Polls the page's probe with a deadline (the page plays in real time).
    private static async Task<JsonElement> WaitForAsync(IPage page, Func<JsonElement, bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var state = await page.EvaluateAsync<JsonElement>("() => window.probe()");
            Assert.True(state.GetProperty("errors").GetInt32() == 0, state.ToString());
            if (condition(state))
            {
                return state;
            }

            Assert.True(DateTime.UtcNow < deadline, "timed out: " + state);
            await page.WaitForFunctionAsync("() => new Promise(r => setTimeout(() => r(true), 50))");
        }
    }

    private const string Page = """
        <!doctype html>
        <html><body>
        <video id="v" muted playsinline></video>
        <script src="/ems-fmp4.js"></script>
        <script>
          var video = document.getElementById('v');
          var errors = [];
          var player = new EmsFmp4Player(video, { onError: function (e) { errors.push(String(e)); } });
          var ws = null, t0 = 0, firstFrameMs = -1, messages = 0, closeCode = 0, closeReason = '';
          function watchFirstFrame() {
            if (firstFrameMs >= 0) { return; }
            if (video.getVideoPlaybackQuality().totalVideoFrames > 0) { firstFrameMs = performance.now() - t0; return; }
            requestAnimationFrame(watchFirstFrame);
          }
          window.start = function (url) {
            t0 = performance.now();
            ws = new WebSocket(url);
            ws.binaryType = 'arraybuffer';
            ws.onmessage = function (e) { messages++; player.push(e.data); };
            ws.onclose = function (e) { closeCode = e.code; closeReason = e.reason; };
            if (video.requestVideoFrameCallback) {
              video.requestVideoFrameCallback(function () { if (firstFrameMs < 0) { firstFrameMs = performance.now() - t0; } });
            }
            watchFirstFrame();
          };
          window.stop = function () { ws.close(); player.close(); };
          window.probe = function () {
            var s = player.getStats();
            var q = video.getVideoPlaybackQuality();
            return { frames: q.totalVideoFrames, currentTime: video.currentTime, firstFrameMs: firstFrameMs,
              messages: messages, closeCode: closeCode, closeReason: closeReason,
              errors: s.errors + errors.length, lastError: s.lastError, mime: s.mime,
              fragmentsAppended: s.fragmentsAppended, jumps: s.liveEdgeJumps };
          };
        </script>
        </body></html>
        """;
}
