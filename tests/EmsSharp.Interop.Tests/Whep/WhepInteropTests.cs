using System.Net;
using EmsSharp.Interop.Tests.Playback;
using Xunit.Abstractions;

namespace EmsSharp.Interop.Tests.Whep;

/// <summary>
/// WHEP playback (draft-ietf-wish-whep over RFC 9725's HTTP usage) from the ems's own listener, played by peers we did
/// not write: aiortc, an independent WebRTC stack, and Chromium from a WHEP page (web/whep.html) of another origin.
/// </summary>
public sealed class WhepInteropTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Aiortc_plays_a_stream_over_whep_and_its_delete_ends_the_session()
    {
        // The ems's WebRTC and WHEP defaults (every interface): aiortc gathers no loopback candidates.
        await using var rig = await PlaybackRig.StartWithoutBrowserAsync("--WebRtc:BindAddress", "0.0.0.0");
        var url = $"http://127.0.0.1:{rig.Ems.WhepEndPoint!.Port}/test/whep";

        var (answered, location) = await PlayAndDeleteAsync(url);
        Assert.Matches("^http://127\\.0\\.0\\.1:[0-9]+/test/whep/[0-9a-f]{32}$", location);
        Assert.Equal($"\"{location[^32..]}\"", answered.GetProperty("etag").GetString());

        // Deleted, the session is gone: a trickle to it finds nothing.
        using var http = new HttpClient();
        using var patch = new HttpRequestMessage(HttpMethod.Patch, location)
        {
            Content = new StringContent("a=ice-ufrag:x\r\na=ice-pwd:y\r\n", null, "application/trickle-ice-sdpfrag"),
        };
        using var response = await http.SendAsync(patch);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Aiortc_plays_through_the_ers_which_relays_its_offer_to_the_rooms_ems_and_its_delete_ends_the_viewer()
    {
        // The ems dials out to the ers and joins room demo; the player speaks WHEP to the ers only.
        await using var rig = await PlaybackRig.StartWithoutBrowserAsync("--WebRtc:BindAddress", "0.0.0.0");
        await rig.StartWebrtcAsync();
        var url = $"http://127.0.0.1:{rig.Ers.Port}/{PlaybackRig.Room}/test/whep";

        var (answered, location) = await PlayAndDeleteAsync(url);
        Assert.Matches($"^http://127\\.0\\.0\\.1:{rig.Ers.Port}/{PlaybackRig.Room}/test/whep/[0-9A-F]{{20}}$", location);
        Assert.Equal($"\"{location[^20..]}\"", answered.GetProperty("etag").GetString());
        // The ers's own bundled STUN/TURN, as its socket.io clients get them.
        Assert.Contains($"<stun:127.0.0.1:{rig.Ers.TurnPort}>; rel=\"ice-server\"", answered.GetProperty("link").GetString(), StringComparison.Ordinal);

        // The DELETE reached the ems as the player's remove: its viewer is gone.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (await rig.CountPeersAsync() != 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the ems still lists the WHEP viewer after its DELETE");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task A_player_that_vanishes_without_its_delete_is_ended_at_the_ers_by_the_ems()
    {
        await using var rig = await PlaybackRig.StartWithoutBrowserAsync("--WebRtc:BindAddress", "0.0.0.0");
        await rig.StartWebrtcAsync();
        var url = $"http://127.0.0.1:{rig.Ers.Port}/{PlaybackRig.Room}/test/whep";
        var (exitCode, events, log) = await Task.Run(() => AiortcWhepPlayer.Play(url, frames: 30, delete: false));
        output.WriteLine(log);
        Assert.Equal(0, exitCode);
        var location = events["answered"].GetProperty("location").GetString()!;

        // The ems ends its viewer (the player's DTLS close_notify, or ICE consent expiring: RFC 7675, 30 s) and tells the ERS,
        // whose session then ends: a trickle to it finds nothing.
        using var http = new HttpClient();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(45);
        while (true)
        {
            using var patch = new HttpRequestMessage(HttpMethod.Patch, location)
            {
                Content = new StringContent("a=candidate:1 1 udp 1 127.0.0.1 9 typ host\r\n", null, "application/trickle-ice-sdpfrag"),
            };
            using var response = await http.SendAsync(patch);
            if (response.StatusCode == HttpStatusCode.NotFound)
                break;
            Assert.True(DateTime.UtcNow < deadline, $"the ERS still holds the vanished player's session ({response.StatusCode})");
            await Task.Delay(200);
        }

        Assert.Equal(0, await rig.CountPeersAsync());
    }

    [Fact]
    public async Task Read_keys_are_bearer_tokens_and_a_refused_player_is_told_why()
    {
        await using var rig = await PlaybackRig.StartWithoutBrowserAsync("--WebRtc:BindAddress", "0.0.0.0", "--Whep:ReadKeys:test", "s3cret");
        var url = $"http://127.0.0.1:{rig.Ems.WhepEndPoint!.Port}/test/whep";

        var (exitCode, events, log) = await Task.Run(() => AiortcWhepPlayer.Play(url));
        output.WriteLine(log);
        Assert.Equal(1, exitCode);
        Assert.Equal(401, events["refused"].GetProperty("status").GetInt32());
        Assert.Contains("Authorization: Bearer", events["refused"].GetProperty("body").GetString(), StringComparison.Ordinal);

        (exitCode, events, log) = await Task.Run(() => AiortcWhepPlayer.Play(url, token: "guess"));
        Assert.Equal(403, events["refused"].GetProperty("status").GetInt32());

        (exitCode, events, log) = await Task.Run(() => AiortcWhepPlayer.Play(url, frames: 30, token: "s3cret"));
        output.WriteLine(log);
        Assert.Equal(0, exitCode);
        Assert.InRange(events["played"].GetProperty("video").GetInt32(), 30, int.MaxValue);
    }

    [Fact]
    public async Task An_offer_the_stream_cannot_answer_gets_406_and_an_unknown_stream_404_in_plain_words()
    {
        await using var rig = await PlaybackRig.StartWithoutBrowserAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{rig.Ems.WhepEndPoint!.Port}/") };
        const string vp8Only = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n" +
            "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n" +
            "a=fingerprint:sha-256 AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89\r\n" +
            "a=setup:actpass\r\na=mid:0\r\na=recvonly\r\na=rtcp-mux\r\na=rtpmap:96 VP8/90000\r\n";

        // Both at once: the unknown stream is told after the server's stream wait (10 s by default), as any viewer is.
        var unknown = http.PostAsync("nosuch/whep", new StringContent(vp8Only, System.Text.Encoding.UTF8, "application/sdp"));
        using var vp8 = await http.PostAsync("test/whep", new StringContent(vp8Only, System.Text.Encoding.UTF8, "application/sdp"));
        Assert.Equal(HttpStatusCode.NotAcceptable, vp8.StatusCode);
        Assert.Contains("H.264 (packetization-mode=1)", await vp8.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var missing = await unknown.WaitAsync(TimeSpan.FromSeconds(12));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("stream \"nosuch\" was not found on the server", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chromium_plays_over_whep_from_a_page_of_another_origin()
    {
        await using var rig = await PlaybackRig.StartAsync();
        var endpoint = $"http://127.0.0.1:{rig.Ems.WhepEndPoint!.Port}/test/whep";
        var page = rig.Chromium.Page;
        // The page comes from the ERS (another origin than the ems's WHEP listener): CORS lets it read the answer.
        await page.GotoAsync($"http://127.0.0.1:{rig.Ers.Port}/whep.html?url={Uri.EscapeDataString(endpoint)}");
        var stats = await PlaybackRig.WaitForStatsAsync(page, s => s.GetProperty("framesDecoded").GetInt32() > 60, TimeSpan.FromSeconds(20), rig);
        output.WriteLine(stats.ToString());
        Assert.Equal("playing", stats.GetProperty("state").GetString());
    }

    [Fact]
    public async Task Chromium_restarts_ice_over_whep_and_keeps_playing_on_the_same_session()
    {
        await using var rig = await PlaybackRig.StartAsync();
        var endpoint = $"http://127.0.0.1:{rig.Ems.WhepEndPoint!.Port}/test/whep";
        var page = rig.Chromium.Page;
        await page.GotoAsync($"http://127.0.0.1:{rig.Ers.Port}/whep.html?url={Uri.EscapeDataString(endpoint)}");
        var before = await PlaybackRig.WaitForStatsAsync(page, s => s.GetProperty("framesDecoded").GetInt32() > 30 && Connected(s) &&
            s.TryGetProperty("ufrag", out _), TimeSpan.FromSeconds(20), rig);
        output.WriteLine("before: " + before);
        var ufrag = before.GetProperty("ufrag").GetString();
        var pairChanges = before.GetProperty("pairChanges").GetInt32();
        var etag = before.GetProperty("etag").GetString()!;

        // pc.restartIce(), a new offer, its ICE part PATCHed (RFC 9725 §4.3.3) and the server's reply applied (web/whep.html).
        await page.EvaluateAsync("() => window.player.restart()");

        // The transport runs on new credentials over a newly selected pair, the session's entity tag names the new ICE
        // session, and the video goes on: DTLS and SRTP were not renegotiated.
        var after = await PlaybackRig.WaitForStatsAsync(page, s => s.GetProperty("ufrag").GetString() != ufrag && Connected(s) &&
            s.GetProperty("pairChanges").GetInt32() > pairChanges, TimeSpan.FromSeconds(20), rig);
        output.WriteLine("after: " + after);
        Assert.Equal(etag[..^1] + ".1\"", after.GetProperty("etag").GetString());
        var frames = after.GetProperty("framesDecoded").GetInt32();
        var playing = await PlaybackRig.WaitForStatsAsync(page, s => s.GetProperty("framesDecoded").GetInt32() > frames + 60,
            TimeSpan.FromSeconds(20), rig);
        Assert.Equal("playing", playing.GetProperty("state").GetString());
        Assert.True(Connected(playing), playing.ToString());

        // Consent freshness (RFC 7675 §5.1: 30 s without a response ends a session) holds on the new pair: past that
        // long since the restart, frames still arrive.
        var restarted = DateTime.UtcNow;
        var past = await PlaybackRig.WaitForStatsAsync(page, _ => DateTime.UtcNow - restarted > TimeSpan.FromSeconds(32), TimeSpan.FromSeconds(40), rig);
        frames = past.GetProperty("framesDecoded").GetInt32();
        var later = await PlaybackRig.WaitForStatsAsync(page, s => s.GetProperty("framesDecoded").GetInt32() > frames + 30, TimeSpan.FromSeconds(20), rig);
        output.WriteLine("later: " + later);
        Assert.True(Connected(later), later.ToString());
        Assert.Equal(after.GetProperty("ufrag").GetString(), later.GetProperty("ufrag").GetString());

        static bool Connected(System.Text.Json.JsonElement stats) => stats.GetProperty("ice").GetString() is "connected" or "completed";
    }

    // aiortc plays url until 60 video frames are decoded (H.264 from the sample, its AAC as Opus), then DELETEs its session:
    // the 201's event and the session's absolute Location.
    private async Task<(System.Text.Json.JsonElement Answered, string Location)> PlayAndDeleteAsync(string url)
    {
        var (exitCode, events, log) = await Task.Run(() => AiortcWhepPlayer.Play(url));
        output.WriteLine(log);
        Assert.Equal(0, exitCode);
        var answered = events["answered"];
        Assert.Equal(201, answered.GetProperty("status").GetInt32());
        Assert.Equal("application/sdp", answered.GetProperty("contentType").GetString());
        var played = events["played"];
        Assert.InRange(played.GetProperty("video").GetInt32(), 60, int.MaxValue);
        Assert.InRange(played.GetProperty("audio").GetInt32(), 1, int.MaxValue);
        Assert.Equal(200, events["deleted"].GetProperty("status").GetInt32());
        return (answered, answered.GetProperty("location").GetString()!);
    }
}
