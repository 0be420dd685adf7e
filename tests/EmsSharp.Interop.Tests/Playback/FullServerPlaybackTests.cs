using Microsoft.Playwright;
using Xunit.Abstractions;

namespace EmsSharp.Interop.Tests.Playback;

/// <summary>
/// A page refused by a full ems (<c>WebRtc:MaxViewers</c>: <c>connectivityError</c> reason <c>unavailable</c>) is not
/// left on an error: it says why, joins again with backoff, and plays once a place is free (or, with
/// <c>server.multiEmsRooms</c>, when the ERS hands its join to another ems).
/// </summary>
public sealed class FullServerPlaybackTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_page_refused_by_a_full_ems_keeps_trying_and_plays_once_a_place_is_free()
    {
        await using var rig = await PlaybackRig.StartAsync("--WebRtc:MaxViewers", "1");
        await rig.StartWebrtcAsync();
        var first = await rig.OpenPlayerAsync("test", "srtp");
        await PlaybackRig.WaitForStatsAsync(first, s => s.GetProperty("framesDecoded").GetInt32() > 0, TimeSpan.FromSeconds(20), rig);

        var second = await rig.OpenPlayerAsync("test", "srtp");
        await second.WaitForFunctionAsync("() => (window.player.lastError || '').includes('WebRtc:MaxViewers = 1')",
            null, new PageWaitForFunctionOptions { Timeout = 15_000 });
        var state = await second.EvaluateAsync<string>("() => window.player.current.state");
        output.WriteLine($"refused: state {state}, \"{await second.EvaluateAsync<string>("() => window.player.lastError")}\"");
        Assert.NotEqual("error", state); // not final: it joins again

        // The first viewer leaves: its socket closes, the ERS says remove, the ems closes its session and frees the place.
        var freed = System.Diagnostics.Stopwatch.StartNew();
        await first.CloseAsync();
        await PlaybackRig.WaitForStatsAsync(second, s => s.GetProperty("framesDecoded").GetInt32() > 0, TimeSpan.FromSeconds(20), rig);
        output.WriteLine($"the refused page played {freed.ElapsedMilliseconds} ms after the place was freed");
        Assert.Equal(1, await rig.CountPeersAsync());
    }
}
