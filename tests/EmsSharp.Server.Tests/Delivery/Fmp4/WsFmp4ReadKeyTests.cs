using System.Net;
using System.Net.WebSockets;
using EmsSharp.Media.Hub;
using EmsSharp.Server.Delivery.Fmp4;
using Microsoft.Extensions.DependencyInjection;
using static EmsSharp.Server.Tests.Delivery.Fmp4.Fmp4TestStream;

namespace EmsSharp.Server.Tests.Delivery.Fmp4;

/// <summary><c>WsFmp4:ReadKeys</c>: open without keys, and with keys only the stream's key (or the <c>*</c> one) upgrades.</summary>
public sealed class WsFmp4ReadKeyTests
{
    [Fact]
    public async Task Without_read_keys_any_viewer_is_served_whatever_its_query()
    {
        await using var ems = await StartWithLiveTestStreamAsync();
        using var socket = await ServedAsync(Url(ems, "/test?progressive&key=anything"));
    }

    [Fact]
    public async Task With_a_read_key_no_key_gets_401_and_a_wrong_one_403_before_the_upgrade_and_the_log_says_why()
    {
        await using var ems = await StartWithLiveTestStreamAsync(("test", "s3cret"));

        var missing = await RefusedAsync(Url(ems, "/test?progressive&adaptive"));
        Assert.Equal(HttpStatusCode.Unauthorized, missing.Status);
        Assert.Equal("Key realm=\"WS-FMP4\"", missing.Challenge);
        Assert.Equal(HttpStatusCode.Forbidden, (await RefusedAsync(Url(ems, "/test?key=s3cre"))).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await RefusedAsync(Url(ems, "/test?key=s3cret-and-more"))).Status);

        Assert.True(ems.Logs.Contains("WS-FMP4 viewer from 127.0.0.1 refused for test: a read key is required (?key=...) (1 refusals since"));
        Assert.Equal(1, ems.Logs.Count("WS-FMP4 viewer from")); // three refusals within the interval: one line
        Assert.DoesNotContain(ems.Logs.Lines, line => line.Contains("s3cre", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_right_read_key_among_other_query_parts_gets_the_init_packet_of_the_live_stream()
    {
        await using var ems = await StartWithLiveTestStreamAsync(("test", "s3cret"));
        using var socket = await ServedAsync(Url(ems, "/test?progressive&key=s3cret&adaptive"));
        Assert.Equal((0, true), FirstVideo(await ReceiveAsync(socket)));
    }

    [Fact]
    public async Task The_star_key_admits_names_without_their_own_and_a_names_own_key_does_not_open_others()
    {
        await using var ems = await StartWithLiveTestStreamAsync(("cam1", "cam-key"), ("*", "fallback"));
        Assert.Equal(HttpStatusCode.Forbidden, (await RefusedAsync(Url(ems, "/test?key=cam-key"))).Status);
        using var socket = await ServedAsync(Url(ems, "/test?key=fallback"));
    }

    [Fact]
    public async Task A_name_with_no_key_and_no_star_is_refused_with_403_whatever_key_is_given()
    {
        await using var ems = await StartWithLiveTestStreamAsync(("cam1", "cam-key"));
        Assert.Equal(HttpStatusCode.Forbidden, (await RefusedAsync(Url(ems, "/test?key=cam-key"))).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await RefusedAsync(Url(ems, "/test"))).Status);
        Assert.Equal(1, ems.Logs.Count("refused for test: no read key is configured for this stream"));
    }

    [Fact]
    public async Task An_escaped_key_in_the_url_compares_unescaped()
    {
        const string Key = "a b&c=d/é+";
        await using var ems = await StartWithLiveTestStreamAsync(("test", Key));
        Assert.Equal(HttpStatusCode.Forbidden, (await RefusedAsync(Url(ems, "/test?key=a b&c=d/é+"))).Status); // cut at the raw '&'
        using var socket = await ServedAsync(Url(ems, "/test?progressive&key=" + Uri.EscapeDataString(Key)));
    }

    [Fact]
    public async Task A_long_refused_name_is_logged_shortened()
    {
        await using var ems = await StartWithLiveTestStreamAsync(("test", "s3cret"));
        var name = new string('n', 200);
        Assert.Equal(HttpStatusCode.Forbidden, (await RefusedAsync(Url(ems, "/" + name + "?key=x"))).Status);
        Assert.True(ems.Logs.Contains($"refused for {name[..64]}...: no read key is configured for this stream"));
        Assert.DoesNotContain(ems.Logs.Lines, line => line.Contains(name, StringComparison.Ordinal));
    }

    private static Task<TestEms> StartWithLiveTestStreamAsync(params (string Name, string Key)[] keys) =>
        StartWithLiveTestStreamAsync(null, keys);

    /// <summary>A server with these read keys (and this stream wait, if given) and a live stream <c>test</c>.</summary>
    internal static async Task<TestEms> StartWithLiveTestStreamAsync(TimeSpan? streamWait, params (string Name, string Key)[] keys)
    {
        var ems = await TestEms.StartAsync(services: s => s.Configure<WsFmp4Options>(o =>
        {
            o.StreamWaitTimeout = streamWait ?? o.StreamWaitTimeout;
            foreach (var (name, key) in keys)
                o.ReadKeys[name] = key;
        }));
        Assert.True(ems.Host.Services.GetRequiredService<StreamHub>().TryPublish("test", out var stream));
        SetTracks(stream);
        Publish(stream, 0, 3, gop: 5);
        return ems;
    }

    internal static Uri Url(TestEms ems, string pathAndQuery) =>
        new($"ws://127.0.0.1:{ems.Host.Services.GetRequiredService<WsFmp4Endpoint>().BoundEndPoint!.Port}{pathAndQuery}");

    /// <summary>Connects, expecting the upgrade and the stream's init packet first.</summary>
    internal static async Task<ClientWebSocket> ServedAsync(Uri url)
    {
        var socket = new ClientWebSocket();
        await socket.ConnectAsync(url, CancellationToken.None);
        Assert.True(IsInit(await ReceiveAsync(socket)));
        return socket;
    }

    /// <summary>Connects, expecting the server to refuse the upgrade; the HTTP status and the 401 challenge, if any.</summary>
    internal static async Task<(HttpStatusCode Status, string? Challenge)> RefusedAsync(Uri url)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(url, CancellationToken.None));
        var challenge = socket.HttpResponseHeaders?.TryGetValue("WWW-Authenticate", out var values) == true ? string.Join(",", values) : null;
        return (socket.HttpStatusCode, challenge);
    }
}
