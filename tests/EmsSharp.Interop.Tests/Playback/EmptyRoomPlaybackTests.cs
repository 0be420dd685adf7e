using Xunit.Abstractions;

namespace EmsSharp.Interop.Tests.Playback;

/// <summary>
/// A page that joins room <c>demo</c> before the EMS has started its WebRTC service says in plain words that it
/// is waiting, keeps retrying, and plays without a reload once <c>startWebrtc</c> runs.
/// </summary>
public sealed class EmptyRoomPlaybackTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("fmp4")]
    [InlineData("srtp")]
    public async Task A_page_waiting_in_an_empty_room_plays_once_the_ems_joins(string transport)
    {
        await using var rig = await PlaybackRig.StartAsync();
        var page = rig.Chromium.Page;
        await page.GotoAsync(rig.PlayerUrl("test", transport));

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        string? status;
        while (!((status = await page.TextContentAsync("#status")) ?? "").Contains("waiting", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, "status: " + status);
            await Task.Delay(100);
        }

        output.WriteLine("status before startWebrtc: " + status);
        Assert.Contains("no stream server yet", status, StringComparison.Ordinal);
        var navigations = 0;
        page.FrameNavigated += (_, _) => navigations++;

        await rig.StartWebrtcAsync();
        var playing = await PlaybackRig.WaitForStatsAsync(page, s => s.GetProperty("framesDecoded").GetInt32() > 0, TimeSpan.FromSeconds(20), rig);
        output.WriteLine($"after startWebrtc: {playing}; status: {await page.TextContentAsync("#status")}");
        Assert.Equal(0, navigations);
    }
}
