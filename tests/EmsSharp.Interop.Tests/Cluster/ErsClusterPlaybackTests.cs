using System.Diagnostics;
using EmsSharp.Interop.Tests.Playback;
using Xunit.Abstractions;

namespace EmsSharp.Interop.Tests.Cluster;

/// <summary>
/// Issue 17 with a real browser: headless Chromium on one ers node plays a stream of an ems that joined its room through
/// another node of the same Redis.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ErsClusterPlaybackTests(ITestOutputHelper output)
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

    [Fact]
    public async Task The_ems_of_a_killed_node_is_back_through_another_within_2_s_and_a_new_browser_plays()
    {
        using var redis = await RedisServer.StartAsync();
        using var a = await ErsProcess.StartAsync("ers-a", redis.Configuration);
        using var b = await ErsProcess.StartAsync("ers-b", redis.Configuration);
        await using var rig = await PlaybackRig.StartAsync(); // its own ers stays unused: the ems dials the two nodes
        await rig.StartWebrtcAsync($"127.0.0.1:{a.Port},127.0.0.1:{b.Port}", a.Port);
        await a.Process.WaitForLineAsync("as ems: ok", TimeSpan.FromSeconds(10));
        string Player(string transport) =>
            $"http://127.0.0.1:{b.Port}/evowrtcclient.html?ers=127.0.0.1:{b.Port}&room={PlaybackRig.Room}&stream=test&transport={transport}";
        var first = rig.Chromium.Page;
        await first.GotoAsync(Player("srtp"));
        await PlaybackRig.WaitForStatsAsync(first, s => s.GetProperty("framesDecoded").GetInt32() > 10, TimeSpan.FromSeconds(20), rig);

        // Node A dies (SIGKILL): the ems's socket drops, it dials the next address and takes its room over through B.
        var killed = Stopwatch.StartNew();
        a.Dispose();
        await b.Process.WaitForLineAsync("as ems: ok", TimeSpan.FromSeconds(10));
        var back = killed.Elapsed;
        output.WriteLine($"the ems was back in its room through node B {back.TotalMilliseconds:F0} ms after node A was killed");
        Assert.True(back < TimeSpan.FromSeconds(2), $"the ems was back in its room {back.TotalMilliseconds:F0} ms after node A was killed");

        // The page that played on, whose media path never needed node A, keeps decoding; a new browser plays too.
        var before = (await PlaybackRig.StatsAsync(first)).GetProperty("framesDecoded").GetInt32();
        await PlaybackRig.WaitForStatsAsync(first, s => s.GetProperty("framesDecoded").GetInt32() >= before + 25, TimeSpan.FromSeconds(10), rig);
        var second = await first.Context.Browser!.NewPageAsync();
        await second.GotoAsync(Player("fmp4"));
        await PlaybackRig.WaitForStatsAsync(second, s => s.GetProperty("framesDecoded").GetInt32() > 10, TimeSpan.FromSeconds(20), rig);
    }
}
