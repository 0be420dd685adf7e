using System.Diagnostics;
using Xunit.Abstractions;

namespace EmsSharp.Interop.Tests.Playback;

/// <summary>
/// The ERS restarts (same port) while a page plays: the page keeps playing or renegotiates with the EMS's new
/// session without a reload, and the EMS (keepAlive) is back in its room within a few seconds.
/// </summary>
public sealed class ErsRestartPlaybackTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("fmp4")]
    [InlineData("srtp")]
    public async Task A_playing_page_survives_an_ers_restart_and_the_ems_rejoins(string transport)
    {
        await using var rig = await PlaybackRig.StartAsync();
        await rig.StartWebrtcAsync();
        var page = rig.Chromium.Page;
        await page.GotoAsync(rig.PlayerUrl("test", transport));
        await PlaybackRig.WaitForStatsAsync(page, s => s.GetProperty("framesDecoded").GetInt32() > 10, TimeSpan.FromSeconds(20), rig);
        var navigations = 0;
        page.FrameNavigated += (_, _) => navigations++;
        var oldEms = await page.EvaluateAsync<string>("() => window.player.emsId");

        var restart = Stopwatch.StartNew();
        await rig.RestartErsAsync(async () =>
        {
            // While the ERS is down the media path is direct: the page keeps decoding and says it is playing.
            var down = (await PlaybackRig.StatsAsync(page)).GetProperty("framesDecoded").GetInt32();
            var during = await PlaybackRig.WaitForStatsAsync(page, s => s.GetProperty("framesDecoded").GetInt32() >= down + 25, TimeSpan.FromSeconds(10), rig);
            Assert.Equal("playing", during.GetProperty("state").GetString());
            output.WriteLine($"ERS down {restart.ElapsedMilliseconds} ms: frames {down} -> {during.GetProperty("framesDecoded").GetInt32()}, status: {await page.TextContentAsync("#status")}");
        });
        var started = restart.Elapsed;
        await rig.WaitInRoomAsync(TimeSpan.FromSeconds(5));
        output.WriteLine($"ems back in the room {(restart.Elapsed - started).TotalMilliseconds:F0} ms after the ERS started again");

        // The page rejoins the new ERS; the EMS's id changed there, so it renegotiates with the EMS's new session
        // (its old peer connection plays on meanwhile). Frames must rise on the renegotiated peer connection.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (await page.EvaluateAsync<string>("() => window.player.emsId") == oldEms
            || (await PlaybackRig.StatsAsync(page)).GetProperty("state").GetString() != "playing")
        {
            Assert.True(DateTime.UtcNow < deadline, "page did not return to playing: " + await page.TextContentAsync("#status"));
            await Task.Delay(100);
        }

        var start = (await PlaybackRig.StatsAsync(page)).GetProperty("framesDecoded").GetInt32();
        var later = await PlaybackRig.WaitForStatsAsync(page, s => s.GetProperty("framesDecoded").GetInt32() >= start + 50, TimeSpan.FromSeconds(15), rig);
        output.WriteLine($"{restart.ElapsedMilliseconds} ms after restart: frames {start} -> {later.GetProperty("framesDecoded").GetInt32()}, status: {await page.TextContentAsync("#status")}");
        Assert.Equal(0, navigations);

        // The viewer of the page's old browser id goes once its peer connection closes: one peer remains.
        int count;
        while ((count = await rig.CountPeersAsync()) != 1)
        {
            Assert.True(DateTime.UtcNow < deadline + TimeSpan.FromSeconds(15), $"{count} peers listed after the rejoin");
            await Task.Delay(100);
        }
    }
}
