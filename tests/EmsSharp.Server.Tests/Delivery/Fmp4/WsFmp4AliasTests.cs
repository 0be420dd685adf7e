using System.Net;
using System.Net.WebSockets;
using static EmsSharp.Server.Tests.Delivery.Fmp4.Fmp4TestStream;
using static EmsSharp.Server.Tests.Delivery.Fmp4.WsFmp4ReadKeyTests;

namespace EmsSharp.Server.Tests.Delivery.Fmp4;

/// <summary>
/// Stream aliases (addStreamAlias) over the real WS-FMP4 listener: the alias in the URL plays its stream, a one-shot alias
/// serves one viewer, and with read keys the key of the real stream is what counts.
/// </summary>
public sealed class WsFmp4AliasTests
{
    [Fact]
    public async Task A_viewer_through_an_alias_gets_the_streams_init_packet_and_the_log_says_which_stream()
    {
        await using var ems = await StartWithLiveTestStreamAsync();
        Assert.Equal("SUCCESS", (await ems.HttpAsync("addStreamAlias?localstreamname=test&aliasname=public&expireperiod=0")).Status());

        using var first = await ServedAsync(Url(ems, "/public?progressive&adaptive"));
        Assert.Equal((0, true), FirstVideo(await ReceiveAsync(first)));
        using var second = await ServedAsync(Url(ems, "/public")); // not one-shot: reusable
        Assert.True(ems.Logs.Contains("Alias public resolved to stream test for WS-FMP4 viewer from 127.0.0.1"));
        Assert.Equal(2, ems.Logs.Count("of test from 127.0.0.1 joined"));
    }

    [Fact]
    public async Task A_one_shot_alias_serves_one_viewer_and_the_next_is_refused_as_an_unknown_stream()
    {
        await using var ems = await StartWithLiveTestStreamAsync();
        Assert.Equal("SUCCESS", (await ems.HttpAsync("addStreamAlias?localstreamname=test&aliasname=once")).Status()); // default -600

        using var first = await ServedAsync(Url(ems, "/once"));
        Assert.Equal(0, (await ems.HttpAsync("listStreamAliases")).Data().GetArrayLength()); // used up

        using var second = new ClientWebSocket();
        await second.ConnectAsync(Url(ems, "/once"), CancellationToken.None);
        var result = await second.ReceiveAsync(new byte[64], CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(WebSocketMessageType.Close, result.MessageType);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, second.CloseStatus);
        Assert.Equal("stream not found: once", second.CloseStatusDescription);
        using var direct = await ServedAsync(Url(ems, "/test")); // the stream itself still plays by its name
    }

    [Fact]
    public async Task With_read_keys_the_real_streams_key_counts_and_a_refused_viewer_does_not_use_up_a_one_shot_alias()
    {
        await using var ems = await StartWithLiveTestStreamAsync(("test", "s3cret"), ("once", "alias-key"));
        Assert.Equal("SUCCESS", (await ems.HttpAsync("addStreamAlias?localstreamname=test&aliasname=once&expireperiod=-60")).Status());

        Assert.Equal(HttpStatusCode.Unauthorized, (await RefusedAsync(Url(ems, "/once"))).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await RefusedAsync(Url(ems, "/once?key=alias-key"))).Status); // the alias's own key is not the stream's
        Assert.True(ems.Logs.Contains("refused for test: a read key is required"));
        Assert.Equal(1, (await ems.HttpAsync("listStreamAliases")).Data().GetArrayLength()); // refused viewers did not use it

        using var admitted = await ServedAsync(Url(ems, "/once?key=s3cret"));
        Assert.Equal(0, (await ems.HttpAsync("listStreamAliases")).Data().GetArrayLength());
        // Used up: "once" is now a plain name, whose own key applies (and no stream of that name exists).
        Assert.Equal(HttpStatusCode.Forbidden, (await RefusedAsync(Url(ems, "/once?key=s3cret"))).Status);
    }

    private static Task<TestEms> StartWithLiveTestStreamAsync(params (string Name, string Key)[] keys) =>
        WsFmp4ReadKeyTests.StartWithLiveTestStreamAsync(TimeSpan.FromMilliseconds(300), keys);
}
