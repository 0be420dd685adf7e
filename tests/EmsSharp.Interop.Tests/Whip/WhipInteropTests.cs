using EmsSharp.Interop.Tests.Playback;
using EmsSharp.Interop.Tests.Whep;
using EmsSharp.Media.Hub;
using EmsSharp.Server.Tests.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace EmsSharp.Interop.Tests.Whip;

/// <summary>
/// WHIP ingest (RFC 9725) on the ems's WHEP listener, published by aiortc (an independent WebRTC stack), through a lossy
/// link too, and played back by aiortc over WHEP and Chromium: what a WHIP publisher sends is a stream of the hub like
/// any other.
/// </summary>
public sealed class WhipInteropTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(40);
    private static readonly Uri MetricsPath = new("metrics", UriKind.Relative);

    [Fact]
    public async Task Aiortc_publishes_over_whip_aiortc_plays_it_over_whep_and_the_delete_ends_the_stream()
    {
        // The ems's WebRTC and WHEP defaults (every interface): aiortc gathers no loopback candidates.
        await using var rig = await PlaybackRig.StartWithoutBrowserAsync("--WebRtc:BindAddress", "0.0.0.0");
        var port = rig.Ems.WhepEndPoint!.Port;
        var hub = rig.Ems.Services.GetRequiredService<StreamHub>();
        await using var publisher = AiortcWhipPublisher.Start($"http://127.0.0.1:{port}/cam1/whip", seconds: 15);
        try
        {
            var answered = await publisher.NextAsync("answered", Wait);
            Assert.Equal(201, answered.GetProperty("status").GetInt32());
            Assert.Equal("application/sdp", answered.GetProperty("contentType").GetString());
            var location = answered.GetProperty("location").GetString()!;
            Assert.Matches("^http://127\\.0\\.0\\.1:[0-9]+/cam1/whip/[0-9a-f]{32}$", location);
            Assert.Equal($"\"{location[^32..]}\"", answered.GetProperty("etag").GetString());
            // The answer receives H.264 and Opus, and sends nothing: no msid, no ssrc (RFC 8830 §2, RFC 3264 §6.1).
            var answer = answered.GetProperty("answer").GetString()!;
            Assert.Contains(" H264/90000", answer, StringComparison.Ordinal);
            Assert.Contains(" opus/48000/2", answer, StringComparison.Ordinal);
            Assert.Equal(2, answer.Split("a=recvonly").Length - 1);
            Assert.DoesNotContain("a=msid:", answer, StringComparison.Ordinal);
            Assert.DoesNotContain("a=ssrc:", answer, StringComparison.Ordinal);
            await publisher.NextAsync("connected", Wait);
            Assert.True(hub.TryGetStream("cam1", out var live));

            // Played back over WHEP by another aiortc: its decoder gets the published H.264 and Opus.
            var (exitCode, events, log) = await Task.Run(() => AiortcWhepPlayer.Play($"http://127.0.0.1:{port}/cam1/whep", frames: 30));
            output.WriteLine(log);
            Assert.Equal(0, exitCode);
            Assert.InRange(events["played"].GetProperty("video").GetInt32(), 30, int.MaxValue);
            Assert.InRange(events["played"].GetProperty("audio").GetInt32(), 1, int.MaxValue);
            Assert.Equal(320, live.Video!.Width); // the test pattern's SPS, taken in-band

            await publisher.NextAsync("published", Wait);
            Assert.Equal(200, (await publisher.NextAsync("deleted", Wait)).GetProperty("status").GetInt32());
            Assert.Equal(0, await publisher.WaitForExitAsync(Wait));

            // The DELETE unpublished the stream, as an RTMP publisher's end does.
            await live.Completion.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.False(hub.TryGetStream("cam1", out _));
        }
        finally
        {
            output.WriteLine(publisher.Log);
        }
    }

    [Fact]
    public async Task A_publisher_gone_without_its_delete_ends_the_stream_when_consent_expires()
    {
        await using var rig = await PlaybackRig.StartWithoutBrowserAsync("--WebRtc:BindAddress", "0.0.0.0");
        var hub = rig.Ems.Services.GetRequiredService<StreamHub>();
        LiveStream? live;
        await using (var publisher = AiortcWhipPublisher.Start($"http://127.0.0.1:{rig.Ems.WhepEndPoint!.Port}/cam1/whip", seconds: 60))
        {
            await publisher.NextAsync("answered", Wait);
            await publisher.NextAsync("connected", Wait);
            Assert.True(hub.TryGetStream("cam1", out live));
        } // killed: no DELETE, no more consent answers

        // RFC 7675 §5.1: 30 s without an answer to consent checks, then the session fails and the stream ends.
        await live.Completion.WaitAsync(TimeSpan.FromSeconds(45));
        Assert.False(hub.TryGetStream("cam1", out _));
    }

    [Fact]
    public async Task The_publish_key_is_the_bearer_token()
    {
        await using var rig = await PlaybackRig.StartWithoutBrowserAsync("--WebRtc:BindAddress", "0.0.0.0", "--Ingest:PublishKeys:cam1", "s3cret");
        var url = $"http://127.0.0.1:{rig.Ems.WhepEndPoint!.Port}/cam1/whip";

        await using (var bare = AiortcWhipPublisher.Start(url, seconds: 1))
        {
            var refused = await bare.NextAsync("refused", Wait);
            Assert.Equal(401, refused.GetProperty("status").GetInt32());
            Assert.Contains("Authorization: Bearer", refused.GetProperty("body").GetString(), StringComparison.Ordinal);
        }

        await using (var wrong = AiortcWhipPublisher.Start(url, seconds: 1, token: "guess"))
            Assert.Equal(403, (await wrong.NextAsync("refused", Wait)).GetProperty("status").GetInt32());

        await using var publisher = AiortcWhipPublisher.Start(url, seconds: 2, token: "s3cret");
        try
        {
            Assert.Equal(201, (await publisher.NextAsync("answered", Wait)).GetProperty("status").GetInt32());
            await publisher.NextAsync("connected", Wait);
            await publisher.NextAsync("published", Wait);
            Assert.Equal(200, (await publisher.NextAsync("deleted", Wait)).GetProperty("status").GetInt32());
        }
        finally
        {
            output.WriteLine(publisher.Log);
        }
    }

    [Fact]
    public async Task Chromium_plays_a_whip_published_stream_over_srtp_with_its_opus_and_over_fmp4()
    {
        await using var rig = await PlaybackRig.StartAsync("--WebRtc:BindAddress", "0.0.0.0");
        await rig.StartWebrtcAsync();
        await using var publisher = AiortcWhipPublisher.Start($"http://127.0.0.1:{rig.Ems.WhepEndPoint!.Port}/cam1/whip", seconds: 60);
        try
        {
            await publisher.NextAsync("answered", Wait);
            await publisher.NextAsync("connected", Wait);

            // srtp: the H.264 as published, and the Opus passed through.
            var srtp = await rig.OpenPlayerAsync("cam1", "srtp");
            var video = await PlaybackRig.WaitForStatsAsync(srtp, s => s.GetProperty("framesDecoded").GetInt32() > 30, TimeSpan.FromSeconds(20), rig);
            Assert.Equal("playing", video.GetProperty("state").GetString());
            var audio = await PlaybackRig.WaitForStatsAsync(srtp, s => s.GetProperty("audioSamplesReceived").GetInt64() > 48_000, TimeSpan.FromSeconds(10), rig);
            output.WriteLine($"srtp audio: {audio.GetProperty("audioPacketsReceived")} packets");
            await srtp.CloseAsync();

            // fmp4: the video and the Opus in its 'Opus' sample entry, which the player names 'opus' in its MSE type.
            var fmp4 = await rig.OpenPlayerAsync("cam1", "fmp4");
            var played = await PlaybackRig.WaitForStatsAsync(fmp4, s => s.GetProperty("framesDecoded").GetInt32() > 30, TimeSpan.FromSeconds(20), rig);
            Assert.Equal("playing", played.GetProperty("state").GetString());
            var mime = await fmp4.EvaluateAsync<string>("() => window.player.fmp4.getStats().mime");
            Assert.Matches("^video/mp4; codecs=\"avc1\\.[0-9A-Fa-f]{6},opus\"$", mime);

            // Chromium's decoder takes the Opus: the bytes it decoded for the media element (HTMLMediaElement's
            // webkitAudioDecodedByteCount) keep growing while it plays.
            var first = await WaitForAudioDecodedAsync(fmp4, 0);
            var later = await WaitForAudioDecodedAsync(fmp4, first);
            output.WriteLine($"fmp4 {mime}: {first} then {later} audio bytes decoded");
            Assert.True(await fmp4.EvaluateAsync<double>("() => window.player.o.video.currentTime") > 0);
        }
        finally
        {
            output.WriteLine(publisher.Log);
        }
    }

    [Fact]
    public async Task Under_loss_the_session_nacks_the_publisher_retransmits_and_chromium_still_plays()
    {
        // aiortc publishes from a namespace whose UDP out is dropped at random, 5% (the ems sees it on the host end of the
        // link: its WebRTC port and WHEP listener on every interface); Chromium plays on loopback, without loss.
        using var link = LossyLink.Create(probability: 0.05);
        await using var rig = await PlaybackRig.StartAsync("--WebRtc:BindAddress", "0.0.0.0", "--Metrics:Enabled", "true", "--Metrics:Port", "0");
        await rig.StartWebrtcAsync();
        using var metrics = new HttpClient { BaseAddress = new Uri($"http://{rig.Ems.MetricsEndPoint}/") };
        var before = await PrometheusText.ScrapeAsync(metrics, MetricsPath);
        await using var publisher = AiortcWhipPublisher.Start($"http://{link.HostAddress}:{rig.Ems.WhepEndPoint!.Port}/cam1/whip", seconds: 60, link: link);
        try
        {
            await publisher.NextAsync("answered", Wait);
            await publisher.NextAsync("connected", Wait);
            var fmp4 = await rig.OpenPlayerAsync("cam1", "fmp4");
            var played = await PlaybackRig.WaitForStatsAsync(fmp4, s => s.GetProperty("framesDecoded").GetInt32() > 30, TimeSpan.FromSeconds(20), rig);

            // The ems NACKed what was lost (RFC 4585 §6.2.1) and aiortc sent it again.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            Dictionary<string, double> now;
            while (true)
            {
                now = await PrometheusText.ScrapeAsync(metrics, MetricsPath);
                if (Delta(now, before, "ems_whip_nacks_total") > 0 && Delta(now, before, "ems_whip_retransmissions_total") > 0)
                    break;
                Assert.True(DateTime.UtcNow < deadline, "no NACK answered within 30 s: " + string.Join(", ", now.Where(p => p.Key.StartsWith("ems_whip", StringComparison.Ordinal))));
                await Task.Delay(500);
            }

            output.WriteLine($"NACKs {Delta(now, before, "ems_whip_nacks_total")}, retransmissions {Delta(now, before, "ems_whip_retransmissions_total")}, " +
                $"given up {Delta(now, before, "ems_whip_packets_lost_total")}");

            // And the picture goes on: another 90 frames decoded (3 s of the 30 fps pattern) with the loss going on.
            var frames = played.GetProperty("framesDecoded").GetInt32();
            var later = await PlaybackRig.WaitForStatsAsync(fmp4, s => s.GetProperty("framesDecoded").GetInt32() > frames + 90, TimeSpan.FromSeconds(20), rig);
            Assert.Equal("playing", later.GetProperty("state").GetString());
        }
        finally
        {
            output.WriteLine(publisher.Log);
        }
    }

    private static double Delta(Dictionary<string, double> now, Dictionary<string, double> before, string name) =>
        now.GetValueOrDefault(name) - before.GetValueOrDefault(name);

    // Until the page's media element has decoded more than <paramref name="than"/> audio bytes (Chromium's count).
    private static async Task<long> WaitForAudioDecodedAsync(Microsoft.Playwright.IPage page, long than)
    {
        var handle = await page.WaitForFunctionAsync(
            "than => { const n = window.player.o.video.webkitAudioDecodedByteCount; return n > than ? n : false; }",
            than, new Microsoft.Playwright.PageWaitForFunctionOptions { Timeout = 20_000 });
        return (long)await handle.JsonValueAsync<double>();
    }
}
