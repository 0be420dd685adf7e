using System.Net;
using System.Text;
using EmsSharp.Media.Hub;
using EmsSharp.Server.Delivery.WebRtc;
using EmsSharp.Server.Delivery.Whep;
using EmsSharp.Server.Tests.Delivery.Fmp4;
using Microsoft.Extensions.DependencyInjection;

namespace EmsSharp.Server.Tests.Delivery.Whep;

/// <summary>
/// The WHEP listener's HTTP rules (RFC 9725 §4, draft-ietf-wish-whep): what it refuses, with which status and in plain
/// words, before any session exists, and a session's ICE restart (§4.3.3). Playing over it is in the interop tests
/// (aiortc, Chromium).
/// </summary>
public sealed class WhepEndpointTests
{
    // An offer as a WHEP player sends it: receive-only H.264 video, every candidate inline.
    internal const string Offer = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n" +
        "m=video 9 UDP/TLS/RTP/SAVPF 102\r\nc=IN IP4 0.0.0.0\r\na=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n" +
        "a=fingerprint:sha-256 AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89\r\n" +
        "a=setup:actpass\r\na=mid:0\r\na=recvonly\r\na=rtcp-mux\r\na=rtpmap:102 H264/90000\r\n" +
        "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n" +
        "a=candidate:1 1 udp 2122260223 127.0.0.1 40000 typ host\r\n";

    [Fact]
    public Task Refusals_before_a_session_name_what_is_wrong() => WithWhepAsync(null, async http =>
    {
        await AssertStatusAsync(http, HttpMethod.Post, "/test/whep", new StringContent(Offer, Encoding.UTF8, "text/plain"), HttpStatusCode.UnsupportedMediaType, "application/sdp");
        await AssertStatusAsync(http, HttpMethod.Post, "/test/whep", Sdp("not an offer"), HttpStatusCode.BadRequest, "not a WebRTC offer");
        await AssertStatusAsync(http, HttpMethod.Post, "/test/whep", Sdp(Offer + new string('x', 64 * 1024)), HttpStatusCode.RequestEntityTooLarge, "larger than 65536 bytes");
        var get = await AssertStatusAsync(http, HttpMethod.Get, "/test/whep", null, HttpStatusCode.MethodNotAllowed, "POST an SDP offer");
        Assert.Equal("OPTIONS, POST", string.Join(", ", get.Content.Headers.Allow));
        await AssertStatusAsync(http, HttpMethod.Post, "/test/other", Sdp(Offer), HttpStatusCode.NotFound, "POST /<stream>/whep");
        await AssertStatusAsync(http, HttpMethod.Post, "/bad%20name/whep", Sdp(Offer), HttpStatusCode.NotFound, "POST /<stream>/whep");
        await AssertStatusAsync(http, HttpMethod.Delete, "/test/whep/" + new string('a', 32), null, HttpStatusCode.NotFound, "no such WHEP session");
        await AssertStatusAsync(http, HttpMethod.Delete, "/test/whep/NOTHEX", null, HttpStatusCode.NotFound, "POST /<stream>/whep");
    });

    [Fact]
    public Task A_preflight_is_answered_for_any_page_by_default() => WithWhepAsync(null, async http =>
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, "/test/whep");
        request.Headers.Add("Origin", "https://player.example");
        request.Headers.Add("Access-Control-Request-Method", "POST");
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("POST", response.Headers.GetValues("Access-Control-Allow-Methods").Single(), StringComparison.Ordinal);
        Assert.Contains("Authorization", response.Headers.GetValues("Access-Control-Allow-Headers").Single(), StringComparison.Ordinal);
        Assert.Contains("Location", response.Headers.GetValues("Access-Control-Expose-Headers").Single(), StringComparison.Ordinal);
        Assert.Equal("application/sdp", response.Headers.GetValues("Accept-Post").Single());
    });

    [Fact]
    public Task Only_the_allowed_origins_pages_may_use_it_when_they_are_named() => WithWhepAsync(o => o.AllowedOrigins = ["https://player.example"], async http =>
    {
        using var other = new HttpRequestMessage(HttpMethod.Post, "/test/whep") { Content = Sdp(Offer) };
        other.Headers.Add("Origin", "https://evil.example");
        using var refused = await http.SendAsync(other);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("Whep:AllowedOrigins", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var allowed = new HttpRequestMessage(HttpMethod.Options, "/test/whep");
        allowed.Headers.Add("Origin", "https://player.example");
        using var preflight = await http.SendAsync(allowed);
        Assert.Equal("https://player.example", preflight.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("Origin", preflight.Headers.Vary);
    });

    [Fact]
    public Task A_player_past_its_share_of_sessions_gets_429() => WithWhepAsync(o => o.MaxSessionsPerAddress = 1, async http =>
    {
        // Two offers at once for a stream not (yet) live: whichever comes first holds its session while the stream is
        // awaited (10 s), the other is refused at once.
        using var cancel = new CancellationTokenSource();
        var offers = new[] { http.PostAsync("/nosuch/whep", Sdp(Offer), cancel.Token), http.PostAsync("/nosuch/whep", Sdp(Offer), cancel.Token) };
        var refused = await await Task.WhenAny(offers);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Contains("holds 1 WHEP sessions already", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var waiting = offers.Single(o => !o.IsCompleted);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
    });

    [Fact]
    public async Task A_player_beyond_WebRtc_MaxViewers_gets_503_at_once_and_one_log_line()
    {
        await using var ems = await TestEms.StartAsync(services: s => s.PostConfigure<WebRtcOptions>(o => o.MaxViewers = 1));
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://{ems.Host.WhepEndPoint}/") };
            // Two offers at once for a stream not (yet) live: whichever takes the one place holds it while its stream is
            // awaited (10 s), the other is refused at once.
            using var cancel = new CancellationTokenSource();
            var offers = new[] { http.PostAsync("/nosuch/whep", Sdp(Offer), cancel.Token), http.PostAsync("/nosuch/whep", Sdp(Offer), cancel.Token) };
            using var refused = await await Task.WhenAny(offers);
            var waiting = offers.Single(o => !o.IsCompleted);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            const string Why = "the server serves as many WebRTC viewers as it takes (WebRtc:MaxViewers = 1)";
            Assert.Contains(Why, await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(1, ems.Logs.Count(Why));
            Assert.False(waiting.IsCompleted); // the other is undisturbed
            await cancel.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        }
        finally
        {
            TestEms.DeleteFolder(ems.DataFolder);
        }
    }

    [Fact]
    public async Task A_session_that_closed_gives_its_place_back()
    {
        await using var ems = await TestEms.StartAsync(services: s => s.PostConfigure<WebRtcOptions>(o => o.MaxViewers = 1));
        try
        {
            using var http = PublishCam(ems);
            using var first = await http.PostAsync("/cam/whep", Sdp(Offer));
            Assert.Equal(HttpStatusCode.Created, first.StatusCode);
            using (var refused = await http.PostAsync("/cam/whep", Sdp(Offer)))
                Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);

            var location = first.Headers.Location!.OriginalString;
            using (var deleted = await http.DeleteAsync(location))
                Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
            await ems.Logs.WaitForAsync($"WHEP session {location[^32..]} closed"); // logged once the session is gone
            using var next = await http.PostAsync("/cam/whep", Sdp(Offer));
            Assert.Equal(HttpStatusCode.Created, next.StatusCode);
        }
        finally
        {
            TestEms.DeleteFolder(ems.DataFolder);
        }
    }

    [Fact]
    public async Task An_alias_needs_the_read_key_of_the_stream_it_plays()
    {
        await using var ems = await TestEms.StartAsync(services: s => s.PostConfigure<WhepOptions>(o =>
            o.ReadKeys = new(StringComparer.Ordinal) { ["cam1"] = "k1", ["*"] = "any" }));
        try
        {
            Assert.Equal("SUCCESS", (await ems.HttpAsync("addStreamAlias?localStreamName=cam1&aliasName=a1&expirePeriod=0")).GetProperty("status").GetString());
            using var http = new HttpClient { BaseAddress = new Uri($"http://{ems.Host.WhepEndPoint}/") };

            // The catch-all key opens the alias's own name, not cam1 behind it; cam1's key does (the body is then checked).
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "any");
            await AssertStatusAsync(http, HttpMethod.Post, "/a1/whep", Sdp("not an offer"), HttpStatusCode.Forbidden, "wrong read key");
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "k1");
            await AssertStatusAsync(http, HttpMethod.Post, "/a1/whep", Sdp("not an offer"), HttpStatusCode.BadRequest, "not a WebRTC offer");
        }
        finally
        {
            TestEms.DeleteFolder(ems.DataFolder);
        }
    }

    [Fact]
    public async Task A_player_restarts_ice_with_a_patch_and_gets_the_servers_new_credentials()
    {
        await using var ems = await TestEms.StartAsync();
        try
        {
            using var http = PublishCam(ems);
            using var created = await http.PostAsync("/cam/whep", Sdp(Offer));
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var location = created.Headers.Location!.OriginalString;
            var answer = await created.Content.ReadAsStringAsync();

            // RFC 9725 §4.3.3: the player's new ufrag, pwd and candidates under If-Match: "*".
            using var restart = new HttpRequestMessage(HttpMethod.Patch, location)
            {
                Content = new StringContent("a=ice-ufrag:efgh\r\na=ice-pwd:efghijklmnopqrstuvwxyz01\r\n" +
                    "a=candidate:3 1 udp 2122260221 127.0.0.1 40002 typ host\r\n", null, "application/trickle-ice-sdpfrag"),
            };
            restart.Headers.TryAddWithoutValidation("If-Match", "*");
            using var restarted = await http.SendAsync(restart);
            var fragment = await restarted.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.OK, restarted.StatusCode);
            Assert.Equal("application/trickle-ice-sdpfrag", restarted.Content.Headers.ContentType!.MediaType);
            Assert.Equal($"\"{location[^32..]}.1\"", restarted.Headers.ETag!.Tag);
            Assert.StartsWith("a=group:BUNDLE 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 102\r\n", fragment, StringComparison.Ordinal);
            Assert.Contains("\r\na=candidate:", fragment, StringComparison.Ordinal);
            var ufrag = fragment[fragment.IndexOf("a=ice-ufrag:", StringComparison.Ordinal)..].Split("\r\n")[0];
            Assert.DoesNotContain(ufrag, answer, StringComparison.Ordinal);

            // The same ufrag again is trickle.
            using var trickle = await http.PatchAsync(location, new StringContent("a=ice-ufrag:efgh\r\n" +
                "a=candidate:4 1 udp 2122260220 127.0.0.1 40003 typ host\r\n", null, "application/trickle-ice-sdpfrag"));
            Assert.Equal(HttpStatusCode.NoContent, trickle.StatusCode);
        }
        finally
        {
            TestEms.DeleteFolder(ems.DataFolder);
        }
    }

    // Publishes an H.264 stream "cam" in the ems's hub; a client of its WHEP listener.
    private static HttpClient PublishCam(TestEms ems)
    {
        Assert.True(ems.Host.Services.GetRequiredService<StreamHub>().TryPublish("cam", out var stream));
        stream.SetVideoTrack(new VideoTrackConfig(MediaCodec.H264, Fmp4TestStream.AvcC(), 1280, 720));
        return new HttpClient { BaseAddress = new Uri($"http://{ems.Host.WhepEndPoint}/") };
    }

    private static StringContent Sdp(string text) => new(text, Encoding.UTF8, "application/sdp");

    private static async Task<HttpResponseMessage> AssertStatusAsync(HttpClient http, HttpMethod method, string path, HttpContent? content, HttpStatusCode status, string text)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        var response = await http.SendAsync(request);
        Assert.Equal(status, response.StatusCode);
        Assert.Contains(text, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        return response;
    }

    private static async Task WithWhepAsync(Action<WhepOptions>? configure, Func<HttpClient, Task> test)
    {
        await using var ems = await TestEms.StartAsync(services: s => s.PostConfigure<WhepOptions>(o => configure?.Invoke(o)));
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://{ems.Host.WhepEndPoint}/") };
            await test(http);
        }
        finally
        {
            TestEms.DeleteFolder(ems.DataFolder);
        }
    }
}
