using System.Net;
using System.Text;
using EmsSharp.Media.Hub;
using EmsSharp.Server.Ingest;
using Microsoft.Extensions.DependencyInjection;

namespace EmsSharp.Server.Tests.Delivery.Whep;

/// <summary>
/// WHIP (RFC 9725) on the WHEP listener: the publish key as bearer token, a name held by another publisher, offers that
/// send nothing the server takes, and a session's life from its 201 to its DELETE, which unpublishes the stream.
/// Publishing media over it is in the interop tests (aiortc).
/// </summary>
public sealed class WhipEndpointTests
{
    // An offer as a WHIP publisher sends it: a WHEP player's, sending instead of receiving.
    private static readonly string Offer = WhepEndpointTests.Offer.Replace("a=recvonly", "a=sendonly", StringComparison.Ordinal);

    [Fact]
    public Task The_publish_key_is_the_bearer_token() => WithEmsAsync(["cam1"], async (http, _) =>
    {
        var missing = await AssertStatusAsync(http, HttpMethod.Post, "/cam1/whip", Sdp(Offer), null, HttpStatusCode.Unauthorized, "a publish key is required");
        Assert.Equal("Bearer", missing.Headers.WwwAuthenticate.Single().Scheme);
        await AssertStatusAsync(http, HttpMethod.Post, "/cam1/whip", Sdp(Offer), "guess", HttpStatusCode.Forbidden, "wrong publish key");
        await AssertStatusAsync(http, HttpMethod.Post, "/other/whip", Sdp(Offer), "s3cret", HttpStatusCode.Forbidden,
            "no publish credentials are configured for stream other");
        // The session's resource asks for the key too (RFC 9725 §4.5).
        await AssertStatusAsync(http, HttpMethod.Delete, "/cam1/whip/" + new string('a', 32), null, null, HttpStatusCode.Unauthorized, "publish key");
        await AssertStatusAsync(http, HttpMethod.Delete, "/cam1/whip/" + new string('a', 32), null, "s3cret", HttpStatusCode.NotFound, "no such WHIP session");
        // Admitted, the offer itself is checked.
        await AssertStatusAsync(http, HttpMethod.Post, "/cam1/whip", Sdp("not an offer"), "s3cret", HttpStatusCode.BadRequest, "not a WebRTC offer");
    });

    [Fact]
    public Task Refusals_name_what_is_wrong() => WithEmsAsync([], async (http, hub) =>
    {
        Assert.True(hub.TryPublish("taken", out var held));
        await AssertStatusAsync(http, HttpMethod.Post, "/taken/whip", Sdp(Offer), null, HttpStatusCode.Conflict,
            "stream \"taken\" is being published by another publisher");
        Assert.False(held.IsClosed);

        // A player's offer (receive-only), or video in another codec: nothing to publish, and the name stays free.
        await AssertStatusAsync(http, HttpMethod.Post, "/cam2/whip", Sdp(WhepEndpointTests.Offer), null,
            HttpStatusCode.NotAcceptable, "the offer sends no H.264 video the server takes");
        await AssertStatusAsync(http, HttpMethod.Post, "/cam2/whip", Sdp(Offer.Replace("H264/90000", "VP8/90000", StringComparison.Ordinal)), null,
            HttpStatusCode.NotAcceptable, "packetization-mode=1");
        Assert.False(hub.TryGetStream("cam2", out _));

        await AssertStatusAsync(http, HttpMethod.Post, "/cam2/whip", new StringContent(Offer, Encoding.UTF8, "text/plain"), null,
            HttpStatusCode.UnsupportedMediaType, "application/sdp");
        var get = await AssertStatusAsync(http, HttpMethod.Get, "/cam2/whip", null, null, HttpStatusCode.MethodNotAllowed, "POST an SDP offer");
        Assert.Equal("OPTIONS, POST", string.Join(", ", get.Content.Headers.Allow));
        await AssertStatusAsync(http, HttpMethod.Delete, "/cam2/whip/" + new string('a', 32), null, null, HttpStatusCode.NotFound, "no such WHIP session");
        await AssertStatusAsync(http, HttpMethod.Post, "/cam2/whipx", Sdp(Offer), null, HttpStatusCode.NotFound, "/<stream>/whip");

        using var preflight = await http.SendAsync(new HttpRequestMessage(HttpMethod.Options, "/cam2/whip"));
        Assert.Equal(HttpStatusCode.NoContent, preflight.StatusCode);
        Assert.Equal("application/sdp", preflight.Headers.GetValues("Accept-Post").Single());
    });

    [Fact]
    public Task A_session_publishes_its_stream_until_its_delete() => WithEmsAsync([], async (http, hub) =>
    {
        using var created = await http.PostAsync("/live/cam3/whip", Sdp(Offer));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var location = created.Headers.Location!.OriginalString;
        Assert.Matches("^/live%2Fcam3/whip/[0-9a-f]{32}$", location);
        Assert.Equal($"\"{location[^32..]}\"", created.Headers.ETag!.Tag);
        var answer = await created.Content.ReadAsStringAsync();
        Assert.Contains("a=recvonly", answer, StringComparison.Ordinal);
        Assert.Contains("a=rtpmap:102 H264/90000", answer, StringComparison.Ordinal);
        Assert.DoesNotContain("a=msid:", answer, StringComparison.Ordinal);
        Assert.DoesNotContain("a=ssrc:", answer, StringComparison.Ordinal);

        // Published from the answer on: a second publisher of the name is refused, a player finds it.
        Assert.True(hub.TryGetStream("live/cam3", out var live));
        await AssertStatusAsync(http, HttpMethod.Post, "/live/cam3/whip", Sdp(Offer), null, HttpStatusCode.Conflict, "another publisher");

        // A trickled candidate is taken (RFC 9725 §4.3.2), under the session's entity tag or none.
        var id = location[^32..];
        await AssertPatchAsync(http, location, "a=ice-ufrag:abcd\r\na=candidate:2 1 udp 2122260222 127.0.0.1 40001 typ host\r\n", null,
            HttpStatusCode.NoContent, string.Empty);
        await AssertPatchAsync(http, location, "a=ice-ufrag:abcd\r\n", $"\"{id}\"", HttpStatusCode.NoContent, string.Empty);

        // An ICE restart (§4.3.3): a new ufrag, with its pwd, under If-Match: "*".
        const string restart = "a=ice-ufrag:efgh\r\na=ice-pwd:efghijklmnopqrstuvwxyz01\r\n" +
            "a=candidate:3 1 udp 2122260221 127.0.0.1 40002 typ host\r\n";
        await AssertPatchAsync(http, location, restart, null, HttpStatusCode.PreconditionRequired, "must be sent with If-Match: \"*\"");
        await AssertPatchAsync(http, location, "a=ice-ufrag:efgh\r\n", "*", HttpStatusCode.BadRequest, "needs its a=ice-pwd");
        await AssertPatchAsync(http, location, "a=ice-ufrag:efgh\r\na=ice-pwd:" + new string('p', 300) + "\r\n", "*", HttpStatusCode.BadRequest,
            "a=ice-pwd must be 22 to 256 characters");
        await AssertPatchAsync(http, location, "a=ice-ufrag:abcd\r\na=ice-ufrag:efgh\r\n", "*", HttpStatusCode.BadRequest, "two a=ice-ufrag");
        var restarted = await AssertPatchAsync(http, location, restart, "*", HttpStatusCode.OK, "a=ice-ufrag:");
        Assert.Equal("application/trickle-ice-sdpfrag", restarted.Content.Headers.ContentType!.MediaType);
        Assert.Equal($"\"{id}.1\"", restarted.Headers.ETag!.Tag);
        var fragment = await restarted.Content.ReadAsStringAsync();
        Assert.Matches("^a=group:BUNDLE 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 102\r\n", fragment);
        Assert.Matches("\r\na=ice-pwd:[A-Za-z0-9+/]{22,256}\r\n", fragment);
        Assert.Contains("\r\na=candidate:", fragment, StringComparison.Ordinal);
        Assert.DoesNotContain(Ufrag(answer), fragment, StringComparison.Ordinal); // new credentials, not the answer's
        Assert.DoesNotContain("a=fingerprint", fragment, StringComparison.Ordinal); // DTLS goes on as it was

        // The first ICE session's tag is stale now; the new one's takes trickle, and a second restart gets the next tag.
        await AssertPatchAsync(http, location, "a=ice-ufrag:efgh\r\n", $"\"{id}\"", HttpStatusCode.PreconditionFailed, "another ICE session");
        await AssertPatchAsync(http, location, "a=ice-ufrag:efgh\r\na=candidate:4 1 udp 2122260220 127.0.0.1 40003 typ host\r\n",
            $"\"{id}.1\"", HttpStatusCode.NoContent, string.Empty);
        using var again = await AssertPatchAsync(http, location, restart.Replace("efgh", "ijkl", StringComparison.Ordinal), "*", HttpStatusCode.OK, "a=ice-ufrag:");
        Assert.Equal($"\"{id}.2\"", again.Headers.ETag!.Tag);
        Assert.DoesNotContain(Ufrag(fragment), await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        restarted.Dispose();

        using var deleted = await http.DeleteAsync(location);
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        await live.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(hub.TryGetStream("live/cam3", out _));
        await AssertStatusAsync(http, HttpMethod.Delete, location, null, null, HttpStatusCode.NotFound, "no such WHIP session");
    });

    [Fact]
    public async Task A_session_is_listed_as_a_connection_carrying_its_inbound_stream_until_its_delete()
    {
        await using var ems = await TestEms.StartAsync();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://{ems.Host.WhepEndPoint}/") };
            await using var cli = await ems.ConnectJsonAsync();
            using var created = await http.PostAsync("/cam4/whip", Sdp(Offer));
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            Assert.True(ems.Host.Services.GetRequiredService<StreamHub>().TryGetStream("cam4", out var live));

            // EvoStream's WebRTC layers over the UDP carrier (no SCTP: a publisher has no data channels), the top one
            // carrying the published stream: RTP, so an INP inbound stream as an RTSP publisher's is.
            var entry = Assert.Single((await cli.JsonAsync("listConnections")).Data().EnumerateArray(), c => Top(c) == "WRTCCNX");
            Assert.Equal(["UDP", "ICEU", "IDTLS", "WRTCCNX"], entry.GetProperty("stack").EnumerateArray().Select(l => l.GetProperty("type").GetString()));
            Assert.Equal("IOHT_UDP_CARRIER", entry.GetProperty("carrier").GetProperty("type").GetString());
            Assert.Equal(0, entry.GetProperty("carrier").GetProperty("rx").GetInt64()); // its media and RTCP count, and none came
            var stream = Assert.Single(entry.GetProperty("stack").EnumerateArray().Last().GetProperty("streams").EnumerateArray());
            Assert.Equal(live.Id, stream.GetProperty("uniqueId").GetInt64());
            Assert.Equal("cam4", stream.GetProperty("name").GetString());
            Assert.Equal("INP", stream.GetProperty("type").GetString());

            // Its id finds it until the DELETE, which takes it off the list.
            var id = entry.GetProperty("carrier").GetProperty("id").GetInt64();
            Assert.Equal("SUCCESS", (await cli.JsonAsync($"getConnectionInfo id={id}")).Status());
            using var deleted = await http.DeleteAsync(created.Headers.Location);
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
            await live.Completion.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.DoesNotContain((await cli.JsonAsync("listConnections")).Data().EnumerateArray(), c => Top(c) == "WRTCCNX");
        }
        finally
        {
            TestEms.DeleteFolder(ems.DataFolder);
        }
    }

    private static string? Top(System.Text.Json.JsonElement entry) =>
        entry.GetProperty("stack").EnumerateArray().Last().GetProperty("type").GetString();

    private static StringContent Sdp(string text) => new(text, Encoding.UTF8, "application/sdp");

    private static string Ufrag(string sdp) => sdp[sdp.IndexOf("a=ice-ufrag:", StringComparison.Ordinal)..].Split("\r\n")[0];

    private static async Task<HttpResponseMessage> AssertPatchAsync(HttpClient http, string location, string fragment, string? ifMatch,
        HttpStatusCode status, string text)
    {
        using var request = new HttpRequestMessage(HttpMethod.Patch, location)
        {
            Content = new StringContent(fragment, null, "application/trickle-ice-sdpfrag"),
        };
        if (ifMatch is not null)
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        var response = await http.SendAsync(request);
        Assert.Equal(status, response.StatusCode);
        Assert.Contains(text, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        return response;
    }

    private static async Task<HttpResponseMessage> AssertStatusAsync(HttpClient http, HttpMethod method, string path, HttpContent? content, string? token,
        HttpStatusCode status, string text)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        if (token is not null)
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        var response = await http.SendAsync(request);
        Assert.Equal(status, response.StatusCode);
        Assert.Contains(text, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        return response;
    }

    // keyed: the names that get the publish key s3cret (none: publishing is open).
    private static async Task WithEmsAsync(string[] keyed, Func<HttpClient, StreamHub, Task> test)
    {
        await using var ems = await TestEms.StartAsync(services: s => s.PostConfigure<IngestOptions>(o =>
        {
            foreach (var name in keyed)
                o.PublishKeys[name] = "s3cret";
        }));
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://{ems.Host.WhepEndPoint}/") };
            await test(http, ems.Host.Services.GetRequiredService<StreamHub>());
        }
        finally
        {
            TestEms.DeleteFolder(ems.DataFolder);
        }
    }
}
