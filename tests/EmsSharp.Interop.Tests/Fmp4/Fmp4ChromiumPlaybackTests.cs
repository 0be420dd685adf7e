using System.Text.Json;
using EmsSharp.Media.Fmp4;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace EmsSharp.Interop.Tests.Fmp4;

/// <summary>
/// Plays the muxer's §4.2 packet stream in headless Chromium through web/js/ems-fmp4.js (Media Source
/// Extensions), fed in chunks of arbitrary sizes, and checks that video frames decode and audio is accepted.
/// </summary>
public sealed class Fmp4ChromiumPlaybackTests(ITestOutputHelper output) : IDisposable
{
    private const string Origin = "http://ems.test";
    private readonly string _directory = Directory.CreateTempSubdirectory("ems-fmp4-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    public enum Variant
    {
        /// <summary>No B-frames, our packet order.</summary>
        Basic,
        /// <summary>Two B-frames: composition offsets must be right.</summary>
        BFrames,
        /// <summary>The EvoStream server's packet order.</summary>
        StockServerOrder,
        /// <summary>A viewer joining at a later keyframe fragment (GOP cache), tfdt far from zero.</summary>
        JoinAtLaterKeyframe,
    }

    [Theory]
    [InlineData(Variant.Basic)]
    [InlineData(Variant.BFrames)]
    [InlineData(Variant.StockServerOrder)]
    [InlineData(Variant.JoinAtLaterKeyframe)]
    public async Task Chromium_plays_h264_and_aac_from_the_packet_stream(Variant variant)
    {
        var bFrames = variant == Variant.BFrames ? 2 : 0;
        var clip = await FfmpegClip.EncodeAsync(_directory, seconds: 6, fps: 30, bFrames);
        Assert.True(clip.VideoFrames.Count >= 170);
        Assert.True(clip.VideoFrames[0].IsKeyframe);
        Assert.Equal(bFrames > 0, clip.VideoTimes.Exists(t => t.Pts != t.Dts + clip.VideoTimes[0].Pts - clip.VideoTimes[0].Dts));
        var (stream, initLength, keyframeOffsets) = clip.MuxToPacketStream();
        Assert.Equal(3, keyframeOffsets.Count); // -g 60 at 30 fps over 6 s
        stream = variant switch
        {
            Variant.StockServerOrder => ToStockServerOrder(stream),
            Variant.JoinAtLaterKeyframe => [.. stream.AsSpan(0, initLength), .. stream.AsSpan(keyframeOffsets[1])],
            _ => stream,
        };

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await HeadlessChromium.LaunchAsync(playwright);
        var page = await OpenPageAsync(browser, Page, stream);

        var supported = await page.EvaluateAsync<bool>(
            "() => MediaSource.isTypeSupported('video/mp4; codecs=\"avc1.64001E,mp4a.40.2\"')");
        Assert.True(supported, "this Chromium cannot play H.264/AAC in MSE");
        await page.EvaluateAsync("() => window.startFeed()");

        // Wait on playback conditions with a deadline; the page feeds chunks in real time.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        JsonElement state;
        while (true)
        {
            state = await page.EvaluateAsync<JsonElement>("() => window.probe()");
            if ((state.GetProperty("frames").GetInt32() >= 45 && PlayedSeconds(state) > 1.5
                    && state.GetProperty("audioBytes").GetInt64() > 0) || state.GetProperty("errors").GetInt32() > 0
                || DateTime.UtcNow > deadline)
            {
                break;
            }

            await page.WaitForFunctionAsync("() => new Promise(r => requestAnimationFrame(() => r(true)))");
        }

        var text = state.ToString();
        output.WriteLine(text);
        Assert.True(state.GetProperty("errors").GetInt32() == 0, text);
        Assert.Equal("video/mp4; codecs=\"avc1.64001E,mp4a.40.2\"", state.GetProperty("mime").GetString());
        Assert.True(state.GetProperty("frames").GetInt32() >= 45, text);
        Assert.True(PlayedSeconds(state) > 1.5, text);
        if (variant == Variant.JoinAtLaterKeyframe)
        {
            Assert.True(state.GetProperty("bufferedStart").GetDouble() >= 1.9, text); // starts at the 2 s keyframe
        }
        Assert.True(state.GetProperty("audioBytes").GetInt64() > 0, text);
        Assert.True(state.GetProperty("fragmentsAppended").GetInt32() > 45, text);
        Assert.True(state.GetProperty("ranges").GetInt32() == 1, "a gap in the buffered media: " + text);
    }

    /// <summary>
    /// Live steering of ems-fmp4.js: the page feeds one fragment per frame interval (30 fps) after a join burst of
    /// 0.5 s (less than maxLatency, though the feed goes on while the player starts: caught up by playback rate, with a
    /// seek first if the start took over 0.5 s), then stops feeding for 1.5 s and sends what it owes at once (a stall,
    /// then more than maxLatency buffered: a seek to the live edge). Each time the buffered latency must come back to
    /// liveTarget (given, or the 0.15 s default) at rate 1.0.
    /// </summary>
    [Theory]
    [InlineData(null)]
    [InlineData(0.5)]
    public async Task Player_catches_up_to_the_live_target_by_rate_then_by_a_seek_after_a_stall(double? liveTarget)
    {
        var target = liveTarget ?? 0.15;
        var clip = await FfmpegClip.EncodeAsync(_directory, seconds: 14, fps: 30, bFrames: 0);
        var (stream, _, _) = clip.MuxToPacketStream();
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await HeadlessChromium.LaunchAsync(playwright);
        var page = await OpenPageAsync(browser, LivePage, stream);
        await page.EvaluateAsync("options => window.startLive(options)", new { liveTarget, burst = 15 });

        var caughtUp = await WaitForAsync(page, s => s.GetProperty("rateChanges").GetInt32() >= 2 && Settled(s, target), "caught up by rate");
        output.WriteLine("caught up: " + caughtUp);
        Assert.True(caughtUp.GetProperty("maxRate").GetDouble() > 1.05, caughtUp.ToString());
        Assert.InRange(caughtUp.GetProperty("latency").GetDouble(), target - 0.1, target + 0.1);

        await page.EvaluateAsync("() => window.stall(1500)");
        var jumps = caughtUp.GetProperty("liveEdgeJumps").GetInt32();
        var recovered = await WaitForAsync(page, s => s.GetProperty("liveEdgeJumps").GetInt32() > jumps && s.GetProperty("resumed").GetBoolean()
            && Settled(s, target), "caught up after the stall");
        output.WriteLine("after the stall: " + recovered);
        Assert.InRange(recovered.GetProperty("latency").GetDouble(), target - 0.1, target + 0.1);
        Assert.Equal(0, recovered.GetProperty("errors").GetInt32());
    }

    // Playing (HAVE_FUTURE_DATA or more) at rate 1.0 with everything received appended, near the target.
    private static bool Settled(JsonElement state, double target) =>
        state.GetProperty("readyState").GetInt32() >= 3 && state.GetProperty("queued").GetInt32() == 0
        && state.GetProperty("playbackRate").GetDouble() == 1 && state.GetProperty("latency").GetDouble() < target + 0.1;

    private static async Task<JsonElement> WaitForAsync(IPage page, Func<JsonElement, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var state = await page.EvaluateAsync<JsonElement>("() => window.probe()");
            if (condition(state))
            {
                return state;
            }

            Assert.True(DateTime.UtcNow < deadline, $"not {what} in 10 s: {state}");
            Assert.True(state.GetProperty("errors").GetInt32() == 0 && state.GetProperty("fed").GetBoolean() is false, $"not {what}: {state}");
            await page.WaitForFunctionAsync("() => new Promise(r => setTimeout(() => r(true), 50))");
        }
    }

    /// <summary>A page served from <see cref="Origin"/> with ems-fmp4.js and <paramref name="stream"/> at /stream.</summary>
    private static async Task<IPage> OpenPageAsync(IBrowser browser, string html, byte[] stream)
    {
        var page = await browser.NewPageAsync();
        var script = await File.ReadAllTextAsync(HeadlessChromium.FindRepositoryFile("web/js/ems-fmp4.js"));
        await page.RouteAsync(Origin + "/**", route => route.Request.Url switch
        {
            Origin + "/" => route.FulfillAsync(new() { ContentType = "text/html", Body = html }),
            Origin + "/ems-fmp4.js" => route.FulfillAsync(new() { ContentType = "text/javascript", Body = script }),
            Origin + "/stream" => route.FulfillAsync(new() { ContentType = "application/octet-stream", BodyBytes = stream }),
            _ => route.AbortAsync(),
        });
        await page.GotoAsync(Origin + "/");
        return page;
    }

    // Splits the stream into the init packet and one chunk per fragment (BEGIN ... END), then pushes the init and `burst`
    // fragments at once and from then on every fragment whose time (one per 1/30 s) has come. stall(ms) holds the feed
    // back for ms; what fell due meanwhile goes out at once after it. fed: the stream ran out (too short for the test).
    private const string LivePage = """
        <!doctype html>
        <html><body>
        <video id="v" muted playsinline></video>
        <script src="/ems-fmp4.js"></script>
        <script>
          var video = document.getElementById('v');
          var player = null, pieces = [], sent = 0, startAt = 0, holdUntil = 0, stalledOnce = false, resumed = false, maxRate = 1;
          window.startLive = async function (options) {
            var bytes = new Uint8Array(await (await fetch('/stream')).arrayBuffer());
            for (var pos = 0, from = 0; pos < bytes.length; ) {
              var type = bytes[pos], size = (bytes[pos + 1] << 16) | (bytes[pos + 2] << 8) | bytes[pos + 3];
              pos += 4 + size;
              if (type === 250 || type === 255) { pieces.push(bytes.slice(from, pos)); from = pos; }
            }
            player = new EmsFmp4Player(video, options.liveTarget === null ? {} : { liveTarget: options.liveTarget });
            video.addEventListener('ratechange', function () { maxRate = Math.max(maxRate, video.playbackRate); });
            for (; sent <= options.burst; sent++) { player.push(pieces[sent].buffer); }
            startAt = performance.now() - options.burst * 1000 / 30;
            setInterval(function () {
              if (performance.now() < holdUntil) { return; }
              var due = 1 + Math.floor((performance.now() - startAt) * 30 / 1000);
              if (stalledOnce && due > sent) { resumed = true; }
              for (; sent < Math.min(due, pieces.length); sent++) { player.push(pieces[sent].buffer); }
            }, 10);
          };
          window.stall = function (ms) { holdUntil = performance.now() + ms; stalledOnce = true; };
          window.probe = function () {
            var s = player.getStats();
            return { latency: s.latency === null ? -1 : s.latency, playbackRate: s.playbackRate, rateChanges: s.rateChanges,
              liveEdgeJumps: s.liveEdgeJumps, queued: s.queued, errors: s.errors, lastError: s.lastError, maxRate: maxRate, resumed: resumed,
              fed: sent >= pieces.length, currentTime: video.currentTime, readyState: video.readyState, paused: video.paused };
          };
        </script>
        </body></html>
        """;

    private const string Page = """
        <!doctype html>
        <html><body>
        <video id="v" muted playsinline></video>
        <script src="/ems-fmp4.js"></script>
        <script>
          var video = document.getElementById('v');
          var errors = [];
          var player = new EmsFmp4Player(video, { onError: function (e) { errors.push(String(e)); } });
          window.startFeed = async function () {
            var bytes = new Uint8Array(await (await fetch('/stream')).arrayBuffer());
            // Deterministic pseudo-random chunk sizes: packets split over chunks and several per chunk.
            var seed = 12345, pos = 0, average = Math.max(64, Math.floor(bytes.length / 200));
            var timer = setInterval(function () {
              for (var n = 0; n < 2 && pos < bytes.length; n++) {
                seed = (seed * 1103515245 + 12345) % 2147483648;
                var size = 1 + (seed % (2 * average));
                player.push(bytes.slice(pos, pos + size).buffer);
                pos += size;
              }
              if (pos >= bytes.length) { clearInterval(timer); }
            }, 20);
          };
          window.probe = function () {
            var s = player.getStats();
            var q = video.getVideoPlaybackQuality();
            return { frames: q.totalVideoFrames, dropped: q.droppedVideoFrames, currentTime: video.currentTime,
              audioBytes: video.webkitAudioDecodedByteCount || 0, errors: s.errors + errors.length,
              lastError: s.lastError, mime: s.mime, fragmentsAppended: s.fragmentsAppended,
              bufferedStart: s.bufferedStart, bufferedEnd: s.bufferedEnd, paused: video.paused,
              readyState: video.readyState, jumps: s.liveEdgeJumps, ranges: video.buffered.length };
          };
        </script>
        </body></html>
        """;

    private static double PlayedSeconds(JsonElement state) =>
        state.GetProperty("currentTime").GetDouble()
        - (state.GetProperty("bufferedStart").ValueKind == JsonValueKind.Number ? state.GetProperty("bufferedStart").GetDouble() : 0);

    /// <summary>
    /// Re-emits each fragment the way the EvoStream server's progressive writer orders it: BEGIN, sample
    /// buffers as they come, then the moof in several HEADER_MOOF parts, the mdat header, END. The player
    /// must still append moof + mdat header + video + audio.
    /// </summary>
    private static byte[] ToStockServerOrder(byte[] stream)
    {
        using var output = new MemoryStream();
        var moof = Array.Empty<byte>();
        var mdat = Array.Empty<byte>();
        ReadOnlySpan<byte> rest = stream;
        var header = new byte[4];
        void Write(Fmp4StreamPacketType type, ReadOnlySpan<byte> payload)
        {
            header[0] = (byte)type;
            header[1] = (byte)(payload.Length >> 16);
            header[2] = (byte)(payload.Length >> 8);
            header[3] = (byte)payload.Length;
            output.Write(header);
            output.Write(payload);
        }

        while (Fmp4StreamPacket.TryRead(rest, out var packet, out var consumed))
        {
            switch (packet.Type)
            {
                case Fmp4StreamPacketType.HeaderMoof:
                    moof = packet.Payload.ToArray();
                    break;
                case Fmp4StreamPacketType.HeaderMdat:
                    mdat = packet.Payload.ToArray();
                    break;
                case Fmp4StreamPacketType.End:
                    Write(Fmp4StreamPacketType.HeaderMoof, moof.AsSpan(0, 24)); // moof header + mfhd
                    Write(Fmp4StreamPacketType.HeaderMoof, moof.AsSpan(24)); // the trafs
                    Write(Fmp4StreamPacketType.HeaderMdat, mdat);
                    Write(Fmp4StreamPacketType.End, []);
                    break;
                default:
                    Write(packet.Type, packet.Payload);
                    break;
            }

            rest = rest[consumed..];
        }

        Assert.True(rest.IsEmpty);
        return output.ToArray();
    }
}
