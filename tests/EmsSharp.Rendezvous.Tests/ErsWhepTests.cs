using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using EmsSharp.Protocols.SocketIo;

namespace EmsSharp.Rendezvous.Tests;

/// <summary>
/// WHEP through the rendezvous: a player's POST to the signalling port reaches the room's EMS (a fake one here, over
/// socket.io) as <c>clientJoined</c> with <c>offers</c> and an <c>offer</c>, and the EMS's reply answers the request.
/// </summary>
public class ErsWhepTests
{
    private const string Offer = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n"
        + "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"
        + "a=mid:0\r\na=recvonly\r\na=rtpmap:96 H264/90000\r\n"
        + "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"
        + "a=mid:1\r\na=recvonly\r\na=rtpmap:111 opus/48000/2\r\n";

    private const string Answer = "v=0\r\no=- 9 9 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=candidate:1 1 udp 1 10.0.0.1 5000 typ host\r\n";

    [Fact]
    public async Task Offer_ReachesTheEms_ItsAnswerIs201WithLocationETagAndLinks_PatchTrickles_DeleteRemoves()
    {
        await using ErsHost ers = await ErsTestHost.StartAsync(o =>
        {
            o.StunServers.Add(JsonSerializer.SerializeToElement(new { url = "stun:stun.example:3478" }));
            o.TurnServers.Add(JsonSerializer.SerializeToElement(new { url = "turn:t.example:3478?transport=udp", username = "u", credential = "c" }));
        });
        await using SocketIoTestClient ems = await JoinEmsAsync(ers, "r");
        using HttpClient http = Http(ers);

        Task<HttpResponseMessage> post = http.PostAsync(new Uri("r/live%2Fcam1/whep", UriKind.Relative), Sdp(Offer));
        string id = await ExpectOfferAsync(ems, "live/cam1");
        await AnswerAsync(ems, id, "answer", new { type = "answer", sdp = Answer });
        using HttpResponseMessage answered = await post;

        Assert.Equal(HttpStatusCode.Created, answered.StatusCode);
        Assert.Equal("application/sdp", answered.Content.Headers.ContentType!.MediaType);
        Assert.Equal(Answer, await answered.Content.ReadAsStringAsync());
        Assert.Equal($"/r/live%2Fcam1/whep/{id}", answered.Headers.Location!.OriginalString);
        Assert.Equal($"\"{id}\"", answered.Headers.ETag!.ToString());
        Assert.Equal(
            ["<stun:stun.example:3478>; rel=\"ice-server\"",
             "<turn:t.example:3478?transport=udp>; rel=\"ice-server\"; username=\"u\"; credential=\"c\"; credential-type=\"password\""],
            answered.Headers.GetValues("Link"));
        Assert.Equal("*", answered.Headers.GetValues("Access-Control-Allow-Origin").Single());

        // The player's trickle: each a=candidate line, with the mid it follows, reaches the EMS as a candidate message.
        Uri session = new(answered.Headers.Location.OriginalString, UriKind.Relative);
        using HttpResponseMessage patched = await http.PatchAsync(session, Trickle(
            "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\na=mid:1\r\na=candidate:2 1 udp 2 192.0.2.7 6000 typ host\r\n"));
        Assert.Equal(HttpStatusCode.NoContent, patched.StatusCode);
        JsonElement candidate = await ems.NextEventAsync("message");
        Assert.Equal(id, candidate.GetProperty("from").GetString());
        Assert.Equal("candidate", candidate.GetProperty("type").GetString());
        JsonElement inner = candidate.GetProperty("payload").GetProperty("candidate");
        Assert.Equal("candidate:2 1 udp 2 192.0.2.7 6000 typ host", inner.GetProperty("candidate").GetString());
        Assert.Equal("1", inner.GetProperty("sdpMid").GetString());
        Assert.Equal(1, inner.GetProperty("sdpMLineIndex").GetInt32());

        // RFC 9725 §4.3.1, §4.3.3: another ufrag is an ICE restart, which the relay cannot carry to the EMS: 422, saying where it works.
        using HttpResponseMessage restart = await http.PatchAsync(session, Trickle("a=ice-ufrag:zzzz\r\na=ice-pwd:yyyyyyyyyyyyyyyyyyyyyyyy\r\n"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, restart.StatusCode);
        Assert.Contains("ICE restarts are not relayed by the ERS", await restart.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using HttpResponseMessage wrongType = await http.PatchAsync(session, Sdp(Offer));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, wrongType.StatusCode);

        // Late candidates of the EMS to the player are dropped, not refused: the ack tells no reason.
        long ackId = (await ems.EmitAsync("message", true, new
        {
            to = id,
            type = "candidate",
            payload = new { candidate = new { candidate = "candidate:3 1 udp 3 10.0.0.1 5001 typ host", sdpMid = "0", sdpMLineIndex = 0 } },
        }))!.Value;
        SocketIoFrame ack = await ems.NextFrameAsync(f => f.Type == SocketIoFrameType.Ack
            && SocketIoPayload.TryParseAck(f.Data, out long a, out _) && a == ackId);
        Assert.True(SocketIoPayload.TryParseAck(ack.Data, out _, out JsonElement ackArgs));
        Assert.Equal(0, ackArgs.GetArrayLength());

        using HttpResponseMessage deleted = await http.DeleteAsync(session);
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        JsonElement remove = await ems.NextEventAsync("remove");
        Assert.Equal(id, remove.GetProperty("id").GetString());
        Assert.Equal("video", remove.GetProperty("type").GetString());

        using HttpResponseMessage again = await http.DeleteAsync(session);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        using HttpResponseMessage patchGone = await http.PatchAsync(session, Trickle("a=candidate:2 1 udp 2 192.0.2.7 6000 typ host\r\n"));
        Assert.Equal(HttpStatusCode.NotFound, patchGone.StatusCode);
    }

    [Fact]
    public async Task BundledTurn_IsLinkedWithCredentialsOfTheSession_AndOptionsAnswersCors()
    {
        await using ErsHost ers = await ErsTestHost.StartAsync();
        await using SocketIoTestClient ems = await JoinEmsAsync(ers, "r");
        using HttpClient http = Http(ers);

        using HttpRequestMessage preflight = new(HttpMethod.Options, "r/cam1/whep");
        preflight.Headers.Add("Origin", "http://player.example");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        using HttpResponseMessage cors = await http.SendAsync(preflight);
        Assert.Equal(HttpStatusCode.NoContent, cors.StatusCode);
        Assert.Equal("*", cors.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("POST", cors.Headers.GetValues("Access-Control-Allow-Methods").Single(), StringComparison.Ordinal);
        Assert.Equal("Authorization, Content-Type, If-Match", cors.Headers.GetValues("Access-Control-Allow-Headers").Single());
        Assert.Equal("Location, Link, ETag, Accept-Patch", cors.Headers.GetValues("Access-Control-Expose-Headers").Single());

        Task<HttpResponseMessage> post = http.PostAsync(new Uri("r/cam1/whep", UriKind.Relative), Sdp(Offer));
        string id = await ExpectOfferAsync(ems, "cam1");
        await AnswerAsync(ems, id, "answer", new { type = "answer", sdp = Answer });
        using HttpResponseMessage answered = await post;
        Assert.Equal(HttpStatusCode.Created, answered.StatusCode);
        List<string> links = [.. answered.Headers.GetValues("Link")];
        Assert.Contains($"<stun:127.0.0.1:{ers.TurnPort}>; rel=\"ice-server\"", links);
        string turn = Assert.Single(links, l => l.StartsWith($"<turn:127.0.0.1:{ers.TurnPort}?transport=udp>", StringComparison.Ordinal));
        Assert.Matches("; username=\"[^\"]+\"; credential=\"[^\"]+\"; credential-type=\"password\"$", turn);
        // The bundled server's credentials work while their client is open: the WHEP session is, until it ends.
        Assert.True(ers.State.Sessions.IsOpen(id));
        using HttpResponseMessage deleted = await http.DeleteAsync(new Uri($"r/cam1/whep/{id}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.False(ers.State.Sessions.IsOpen(id));
    }

    [Theory]
    [InlineData("notFound", HttpStatusCode.NotFound)]
    [InlineData("notAcceptable", HttpStatusCode.NotAcceptable)]
    [InlineData("unavailable", HttpStatusCode.ServiceUnavailable)]
    [InlineData("failed", HttpStatusCode.InternalServerError)]
    public async Task ConnectivityError_IsTheStatusOfItsReason_WithItsDescription(string reason, HttpStatusCode status)
    {
        await using ErsHost ers = await ErsTestHost.StartAsync();
        await using SocketIoTestClient ems = await JoinEmsAsync(ers, "r");
        using HttpClient http = Http(ers);

        Task<HttpResponseMessage> post = http.PostAsync(new Uri("r/cam1/whep", UriKind.Relative), Sdp(Offer));
        string id = await ExpectOfferAsync(ems, "cam1");
        await AnswerAsync(ems, id, "connectivityError", new { status = "FAIL", description = "stream \"cam1\" was not found on the server", reason });
        using HttpResponseMessage refused = await post;
        Assert.Equal(status, refused.StatusCode);
        Assert.Equal("text/plain", refused.Content.Headers.ContentType!.MediaType);
        Assert.Equal("stream \"cam1\" was not found on the server\n", await refused.Content.ReadAsStringAsync());
        Assert.Equal(id, (await ems.NextEventAsync("remove")).GetProperty("id").GetString());
    }

    [Fact]
    public async Task NoAnswerInTime_Is504_AndThePlayerLeavingFirst_RemovesItsSession()
    {
        await using ErsHost ers = await ErsTestHost.StartAsync(o => o.Limits.WhepAnswerSeconds = 1);
        await using SocketIoTestClient ems = await JoinEmsAsync(ers, "r");
        using HttpClient http = Http(ers);

        using HttpResponseMessage late = await http.PostAsync(new Uri("r/cam1/whep", UriKind.Relative), Sdp(Offer));
        string id = await ExpectOfferAsync(ems, "cam1");
        Assert.Equal(HttpStatusCode.GatewayTimeout, late.StatusCode);
        Assert.Equal(id, (await ems.NextEventAsync("remove")).GetProperty("id").GetString());

        using CancellationTokenSource leave = new();
        Task<HttpResponseMessage> post = http.PostAsync(new Uri("r/cam1/whep", UriKind.Relative), Sdp(Offer), leave.Token);
        string second = await ExpectOfferAsync(ems, "cam1");
        await leave.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => post);
        Assert.Equal(second, (await ems.NextEventAsync("remove")).GetProperty("id").GetString());
    }

    [Fact]
    public async Task TheEmsLeavingBeforeItAnswers_Is503()
    {
        await using ErsHost ers = await ErsTestHost.StartAsync();
        SocketIoTestClient ems = await JoinEmsAsync(ers, "r");
        using HttpClient http = Http(ers);

        Task<HttpResponseMessage> post = http.PostAsync(new Uri("r/cam1/whep", UriKind.Relative), Sdp(Offer));
        await ExpectOfferAsync(ems, "cam1");
        await ems.DisposeAsync();
        using HttpResponseMessage left = await post;
        Assert.Equal(HttpStatusCode.ServiceUnavailable, left.StatusCode);
        Assert.Equal("the EMS of room r left before it answered\n", await left.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Refusals_NoEms_RoomNotAllowed_ContentType_Size_UnknownSession_Method()
    {
        await using ErsHost ers = await ErsTestHost.StartAsync(o => o.AllowedRooms.Add("r"));
        using HttpClient http = Http(ers);

        await ExpectAsync(await http.PostAsync(new Uri("r/cam1/whep", UriKind.Relative), Sdp(Offer)),
            HttpStatusCode.ServiceUnavailable, "room r has no EMS\n");
        await ExpectAsync(await http.PostAsync(new Uri("other/cam1/whep", UriKind.Relative), Sdp(Offer)),
            HttpStatusCode.Forbidden, "room other is not allowed on this ERS\n");

        await using SocketIoTestClient ems = await JoinEmsAsync(ers, "r");
        await ExpectAsync(await http.PostAsync(new Uri("r/cam1/whep", UriKind.Relative), new StringContent(Offer, Encoding.UTF8, "text/plain")),
            HttpStatusCode.UnsupportedMediaType, "the offer must be sent as application/sdp\n");
        string tooLarge = Offer + "a=x:" + new string('x', ers.Options.Limits.MaxFrameLength) + "\r\n";
        await ExpectAsync(await http.PostAsync(new Uri("r/cam1/whep", UriKind.Relative), Sdp(tooLarge)),
            HttpStatusCode.RequestEntityTooLarge, $"larger than {ers.Options.Limits.MaxFrameLength} bytes\n");
        await ExpectAsync(await http.PostAsync(new Uri("r/cam1/whep", UriKind.Relative), Sdp("hello")),
            HttpStatusCode.BadRequest, "the body is not an SDP offer\n");
        await ExpectAsync(await http.DeleteAsync(new Uri("r/cam1/whep/0123456789ABCDEF0123", UriKind.Relative)),
            HttpStatusCode.NotFound, "no such WHEP session (it ended, or was never made)\n");
        await ExpectAsync(await http.GetAsync(new Uri("r/cam1/whep", UriKind.Relative)),
            HttpStatusCode.MethodNotAllowed, "POST an SDP offer to this URL\n");
        Assert.True(ems.HasNoEvent("clientJoined"));
    }

    [Fact]
    public async Task ASession_HoldsOneOfItsAddressesSockets_UntilItEnds()
    {
        // Two sockets per address: the EMS's, and one WHEP session.
        await using ErsHost ers = await ErsTestHost.StartAsync(o => o.Limits.MaxSocketsPerIp = 2);
        await using SocketIoTestClient ems = await JoinEmsAsync(ers, "r");
        using HttpClient http = Http(ers);

        Task<HttpResponseMessage> post = http.PostAsync(new Uri("r/cam1/whep", UriKind.Relative), Sdp(Offer));
        string id = await ExpectOfferAsync(ems, "cam1");
        await AnswerAsync(ems, id, "answer", new { type = "answer", sdp = Answer });
        using HttpResponseMessage answered = await post;
        Assert.Equal(HttpStatusCode.Created, answered.StatusCode);

        await ExpectAsync(await http.PostAsync(new Uri("r/cam1/whep", UriKind.Relative), Sdp(Offer)),
            HttpStatusCode.TooManyRequests, "this address holds as many sockets and WHEP sessions as it may, or opens them too fast\n");
        Assert.True(ems.HasNoEvent("clientJoined"));

        using HttpResponseMessage deleted = await http.DeleteAsync(answered.Headers.Location);
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        post = http.PostAsync(new Uri("r/cam1/whep", UriKind.Relative), Sdp(Offer));
        string next = await ExpectOfferAsync(ems, "cam1");
        Assert.NotEqual(id, next);
        await AnswerAsync(ems, next, "answer", new { type = "answer", sdp = Answer });
        using HttpResponseMessage again = await post;
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
    }

    [Fact]
    public async Task WithTokensEnabled_TheBearerTokenIsTheViewerToken()
    {
        await using ErsHost ers = await ErsTestHost.StartAsync(o =>
        {
            o.Server.TokensEnabled = true;
            o.Tokens.Add("t1");
            o.EmsTokens.Add(new("ek"));
        });
        await using SocketIoTestClient ems = await JoinEmsAsync(ers, "r", "ek");
        using HttpClient http = Http(ers);

        using HttpResponseMessage missing = await http.PostAsync(new Uri("r/cam1/whep", UriKind.Relative), Sdp(Offer));
        await ExpectAsync(missing, HttpStatusCode.Unauthorized, "a viewer token is required (Authorization: Bearer <token>)\n");
        Assert.Equal("Bearer", missing.Headers.WwwAuthenticate.Single().Scheme);
        await ExpectAsync(await PostWithTokenAsync(http, "guess"),
            HttpStatusCode.Forbidden, "the viewer token is unknown, expired or used by another viewer\n");
        Assert.True(ems.HasNoEvent("clientJoined"));

        Task<HttpResponseMessage> post = PostWithTokenAsync(http, "t1");
        string id = await ExpectOfferAsync(ems, "cam1");
        await AnswerAsync(ems, id, "answer", new { type = "answer", sdp = Answer });
        using HttpResponseMessage answered = await post;
        Assert.Equal(HttpStatusCode.Created, answered.StatusCode);

        // The session is its token's: another bearer cannot end it; the token, used, admits no second session.
        Uri session = new(answered.Headers.Location!.OriginalString, UriKind.Relative);
        await ExpectAsync(await http.DeleteAsync(session), HttpStatusCode.Forbidden, "this session was opened with another viewer token\n");
        await ExpectAsync(await PostWithTokenAsync(http, "t1"),
            HttpStatusCode.Forbidden, "the viewer token is unknown, expired or used by another viewer\n");
        using HttpRequestMessage delete = new(HttpMethod.Delete, session);
        delete.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "t1");
        using HttpResponseMessage deleted = await http.SendAsync(delete);
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Equal(id, (await ems.NextEventAsync("remove")).GetProperty("id").GetString());
    }

    private static HttpClient Http(ErsHost ers) => new() { BaseAddress = ers.LoopbackUri, Timeout = SocketIoTestClient.Timeout };

    private static StringContent Sdp(string sdp) => new(sdp, Encoding.UTF8, "application/sdp");

    private static StringContent Trickle(string fragment) => new(fragment, Encoding.UTF8, "application/trickle-ice-sdpfrag");

    private static Task<HttpResponseMessage> PostWithTokenAsync(HttpClient http, string token)
    {
        HttpRequestMessage request = new(HttpMethod.Post, "r/cam1/whep") { Content = Sdp(Offer) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http.SendAsync(request);
    }

    private static async Task ExpectAsync(HttpResponseMessage response, HttpStatusCode status, string body)
    {
        using (response)
        {
            Assert.Equal(status, response.StatusCode);
            Assert.Equal(body, await response.Content.ReadAsStringAsync());
        }
    }

    private static async Task<SocketIoTestClient> JoinEmsAsync(ErsHost ers, string room, string token = "")
    {
        SocketIoTestClient ems = await SocketIoTestClient.ConnectAsync(ers.Port);
        Assert.Equal(JsonValueKind.Null, (await ems.JoinEmsAsync(room, token))[0].ValueKind);
        return ems;
    }

    // The EMS hears the player as a viewer that offers, then its offer; returns the player's peer id.
    private static async Task<string> ExpectOfferAsync(SocketIoTestClient ems, string stream)
    {
        JsonElement joined = await ems.NextEventAsync("clientJoined");
        Assert.Equal(stream, joined.GetProperty("streamName").GetString());
        Assert.Equal("srtp", joined.GetProperty("transport").GetString());
        Assert.True(joined.GetProperty("offers").GetBoolean());
        string id = joined.GetProperty("id").GetString()!;
        JsonElement offer = await ems.NextEventAsync("message");
        Assert.Equal(id, offer.GetProperty("from").GetString());
        Assert.Equal(ems.Sid, offer.GetProperty("to").GetString());
        Assert.Equal("offer", offer.GetProperty("type").GetString());
        Assert.Equal("offer", offer.GetProperty("payload").GetProperty("type").GetString());
        Assert.Equal(Offer, offer.GetProperty("payload").GetProperty("sdp").GetString());
        return id;
    }

    private static Task AnswerAsync(SocketIoTestClient ems, string to, string type, object payload) =>
        ems.EmitAsync("message", false, new { to, type, payload });
}
