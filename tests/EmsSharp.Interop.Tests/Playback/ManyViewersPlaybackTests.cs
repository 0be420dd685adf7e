using System.Diagnostics;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace EmsSharp.Interop.Tests.Playback;

/// <summary>
/// Ten browser viewers of one stream in one Chromium, five over fmp4 data channels and five over SRTP: all
/// decode; one page closes; the others keep decoding and <c>listWebrtcPeers</c> drops to nine within 2 s.
/// </summary>
[Collection(PlaybackAloneCollection.Name)]
public sealed class ManyViewersPlaybackTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Ten_viewers_play_and_one_leaving_drops_the_peer_list_to_nine_while_the_others_keep_playing()
    {
        await using var rig = await PlaybackRig.StartAsync();
        await rig.StartWebrtcAsync();
        var pages = new List<IPage>();
        try
        {
            for (var i = 0; i < 10; i++)
                pages.Add(await rig.OpenPlayerAsync("test", i % 2 == 0 ? "fmp4" : "srtp"));
            foreach (var page in pages)
                await PlaybackRig.WaitForStatsAsync(page, s => s.GetProperty("framesDecoded").GetInt32() > 0, TimeSpan.FromSeconds(40), rig);
            Assert.Equal(10, await rig.CountPeersAsync());

            var closed = Stopwatch.StartNew();
            await pages[0].CloseAsync();
            pages.RemoveAt(0);
            int count;
            while ((count = await rig.CountPeersAsync()) != 9)
            {
                Assert.True(closed.Elapsed < TimeSpan.FromSeconds(2), $"peer list still {count} after {closed.ElapsedMilliseconds} ms");
                await Task.Delay(50);
            }

            output.WriteLine($"peer list dropped to 9 after {closed.ElapsedMilliseconds} ms");
            Assert.True(closed.Elapsed < TimeSpan.FromSeconds(2));

            var before = new int[pages.Count];
            for (var i = 0; i < pages.Count; i++)
                before[i] = (await PlaybackRig.StatsAsync(pages[i])).GetProperty("framesDecoded").GetInt32();
            for (var i = 0; i < pages.Count; i++)
            {
                var start = before[i];
                var after = await PlaybackRig.WaitForStatsAsync(pages[i], s => s.GetProperty("framesDecoded").GetInt32() >= start + 25, TimeSpan.FromSeconds(15), rig);
                output.WriteLine($"page {i + 1}: frames {start} -> {after.GetProperty("framesDecoded").GetInt32()}, state {after.GetProperty("state")}");
                Assert.Equal("playing", after.GetProperty("state").GetString());
            }
        }
        finally
        {
            foreach (var page in pages)
                await page.CloseAsync();
        }
    }
}
