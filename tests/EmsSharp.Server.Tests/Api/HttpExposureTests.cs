using System.Net;

namespace EmsSharp.Server.Tests.Api;

/// <summary>
/// The HTTP API against web pages (docs/OPERATIONS.md, Exposure): DNS rebinding (a foreign Host), cross-site pages
/// (Origin, Sec-Fetch-Site) and state-changing GETs from a browser are refused with 403 and a FAIL; scripts that
/// send plain GETs, as EvoStream's do, keep working.
/// </summary>
public sealed class HttpExposureTests
{
    private const string StartRoom = "startWebrtc?ersip=10.0.0.1&ersport=4545&roomid=";

    private static async Task<(HttpStatusCode Status, System.Text.Json.JsonElement Reply, HttpResponseMessage Response)> SendAsync(
        TestEms ems, HttpMethod method, string pathAndQuery, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method, new Uri(pathAndQuery, UriKind.Relative));
        foreach (var (name, value) in headers)
        {
            if (name == "Host")
                request.Headers.Host = value;
            else
                request.Headers.Add(name, value);
        }

        var response = await ems.Http.SendAsync(request);
        var reply = Envelope.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, reply, response);
    }

    private static async Task<int> WebrtcCountAsync(TestEms ems) =>
        (await ems.HttpAsync("listConfig")).Data().GetProperty("webrtc").GetArrayLength();

    [Fact]
    public Task A_script_get_without_browser_headers_still_changes_state() => TestEms.WithAsync(async ems =>
    {
        // What curl and EvoStream's scripts send: Host 127.0.0.1:<port>, no Origin, no Sec-Fetch-*.
        var (status, reply, _) = await SendAsync(ems, HttpMethod.Get, StartRoom + "script");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("SUCCESS", reply.Status());
        var (_, viaLocalhost, _) = await SendAsync(ems, HttpMethod.Get, "stopWebrtc?roomid=script", ("Host", $"localhost:{ems.Host.HttpEndPoint!.Port}"));
        Assert.Equal("script", viaLocalhost.Data().GetProperty("roomid").GetString());
    });

    [Theory]
    [InlineData("evil.example:7777")]
    [InlineData("attacker.test")]
    [InlineData("10.1.2.3")]
    public Task A_foreign_host_gets_403_and_runs_nothing(string host) => TestEms.WithAsync(async ems =>
    {
        var (status, reply, _) = await SendAsync(ems, HttpMethod.Get, StartRoom + "rebound", ("Host", host));
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("FAIL", reply.Status());
        Assert.Contains("Api:Http:AllowedHosts", reply.Description(), StringComparison.Ordinal);
        Assert.Equal(0, await WebrtcCountAsync(ems));
        Assert.True(ems.Logs.Contains("HTTP API: refused GET /startWebrtc"));
    });

    [Fact]
    public Task A_configured_host_name_is_answered() => TestEms.WithAsync(
        async ems =>
        {
            var (status, reply, _) = await SendAsync(ems, HttpMethod.Get, "version", ("Host", "ems.example.org:7777"));
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal("SUCCESS", reply.Status());
            Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(ems, HttpMethod.Get, "version", ("Host", "other.example.org"))).Status);
        },
        o => o.Api.Http.AllowedHosts = ["ems.example.org"]);

    public static TheoryData<string, string, string> BrowserHeaders => new()
    {
        // <img src=http://127.0.0.1:7777/shutdownServer> on any site: no Origin, but Sec-Fetch-Site.
        { "Sec-Fetch-Site", "cross-site", "Sec-Fetch-Site: cross-site" },
        { "Sec-Fetch-Site", "same-site", "Sec-Fetch-Site: same-site" },
        { "Sec-Fetch-Site", "same-origin", "Sec-Fetch-Site: same-origin" },
        { "Origin", "https://evil.example", "Origin https://evil.example" },
        { "Origin", "null", "Origin null" },
    };

    [Theory]
    [MemberData(nameof(BrowserHeaders))]
    public Task A_web_page_gets_403_explaining_why(string header, string value, string expected) => TestEms.WithAsync(async ems =>
    {
        foreach (var method in new[] { HttpMethod.Get, HttpMethod.Post })
        {
            var (status, reply, _) = await SendAsync(ems, method, "shutdownServer", (header, value));
            Assert.Equal(HttpStatusCode.Forbidden, status);
            Assert.Equal("FAIL", reply.Status());
            Assert.Contains(expected, reply.Description(), StringComparison.Ordinal);
            Assert.Contains("refused", reply.Description(), StringComparison.Ordinal);
            var (readStatus, _, _) = await SendAsync(ems, method, "listConfig", (header, value));
            Assert.Equal(HttpStatusCode.Forbidden, readStatus);
        }

        Assert.False(ems.Host.ApplicationStopping.IsCancellationRequested);
        Assert.Equal("SUCCESS", (await ems.HttpAsync("version")).Status());
    });

    [Fact]
    public Task A_typed_url_reads_but_may_not_change_state() => TestEms.WithAsync(async ems =>
    {
        // Typed in the address bar, a bookmark, or a link opened from a mail client: Sec-Fetch-Site: none.
        (string, string)[] navigation = [("Sec-Fetch-Site", "none"), ("Sec-Fetch-Mode", "navigate"), ("Sec-Fetch-Dest", "document")];
        var (readStatus, read, _) = await SendAsync(ems, HttpMethod.Get, "listConfig", navigation);
        Assert.Equal(HttpStatusCode.OK, readStatus);
        Assert.Equal("SUCCESS", read.Status());

        var (status, reply, _) = await SendAsync(ems, HttpMethod.Get, StartRoom + "typed", navigation);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("startWebrtc changes the server", reply.Description(), StringComparison.Ordinal);
        Assert.Equal(0, await WebrtcCountAsync(ems));
    });

    [Fact]
    public Task An_allowed_origin_may_call_and_read_the_reply() => TestEms.WithAsync(
        async ems =>
        {
            var (status, reply, response) = await SendAsync(ems, HttpMethod.Get, StartRoom + "ops", ("Origin", "https://ops.example.com"), ("Sec-Fetch-Site", "cross-site"));
            using (response)
            {
                Assert.Equal(HttpStatusCode.OK, status);
                Assert.Equal("SUCCESS", reply.Status());
                Assert.Equal("https://ops.example.com", Assert.Single(response.Headers.GetValues("Access-Control-Allow-Origin")));
            }

            Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(ems, HttpMethod.Get, "version", ("Origin", "https://ops.example.com.evil.test"))).Status);
        },
        o => o.Api.Http.AllowedOrigins = ["https://ops.example.com"]);

    [Fact]
    public Task Post_runs_commands_with_query_or_form_parameters() => TestEms.WithAsync(async ems =>
    {
        var (status, reply, _) = await SendAsync(ems, HttpMethod.Post, StartRoom + "posted");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("SUCCESS", reply.Status());

        using var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["roomid"] = "posted" });
        using var response = await ems.Http.PostAsync(new Uri("stopWebrtc", UriKind.Relative), form);
        Assert.Equal("posted", Envelope.Parse(await response.Content.ReadAsStringAsync()).Data().GetProperty("roomid").GetString());
        Assert.Equal(0, await WebrtcCountAsync(ems));

        using var broken = new StringContent("--x\r\nnot a part", System.Text.Encoding.ASCII, "multipart/form-data");
        using var brokenResponse = await ems.Http.PostAsync(new Uri("version", UriKind.Relative), broken);
        var brokenReply = Envelope.Parse(await brokenResponse.Content.ReadAsStringAsync());
        Assert.Equal("FAIL", brokenReply.Status());
        Assert.StartsWith("Invalid form body", brokenReply.Description(), StringComparison.Ordinal);
    });

    [Fact]
    public Task RequirePostForChanges_refuses_state_changing_gets_with_405() => TestEms.WithAsync(
        async ems =>
        {
            var (status, reply, response) = await SendAsync(ems, HttpMethod.Get, StartRoom + "strict");
            using (response)
            {
                Assert.Equal(HttpStatusCode.MethodNotAllowed, status);
                Assert.Equal("POST", response.Content.Headers.Allow.Single());
                Assert.Contains("send it with POST", reply.Description(), StringComparison.Ordinal);
            }

            Assert.Equal(0, await WebrtcCountAsync(ems));
            Assert.Equal("SUCCESS", (await ems.HttpAsync("version")).Status());
            Assert.Equal("SUCCESS", (await SendAsync(ems, HttpMethod.Post, StartRoom + "strict")).Reply.Status());
            Assert.Equal(1, await WebrtcCountAsync(ems));
        },
        o => o.Api.Http.RequirePostForChanges = true);
}
