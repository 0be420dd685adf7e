using EmsSharp.Interop.Tests.Playback;

namespace EmsSharp.Interop.Tests.Cluster;

/// <summary>
/// Issue 17 with a real browser: headless Chromium on one ers node plays a stream of an ems that joined its room through
/// another node of the same Redis.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ErsClusterPlaybackTests
{
    [Theory]
    [InlineData("fmp4")]
    [InlineData("srtp")]
    public async Task A_browser_on_one_node_plays_the_stream_of_an_ems_joined_on_another(string transport)
    {
        using var redis = await RedisServer.StartAsync();
        await using var rig = await PlaybackRig.StartAsync(o => o.Server.Redis = redis.Configuration);
        await using var nodeB = await PlaybackRig.StartErsAsync(o => o.Server.Redis = redis.Configuration);
        await rig.StartWebrtcAsync(); // the ems joins the room through the rig's ers, node A
        var page = rig.Chromium.Page;
        await page.GotoAsync(
            $"http://127.0.0.1:{nodeB.Port}/evowrtcclient.html?ers=127.0.0.1:{nodeB.Port}&room={PlaybackRig.Room}&stream=test&transport={transport}");
        await PlaybackRig.WaitForStatsAsync(page, s => s.GetProperty("framesDecoded").GetInt32() > 10, TimeSpan.FromSeconds(20), rig);
        Assert.Equal(1, await rig.CountPeersAsync());
    }
}
