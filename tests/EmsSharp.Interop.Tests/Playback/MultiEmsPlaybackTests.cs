using System.Diagnostics;
using System.Text.Json;
using EmsSharp.Load.Viewers;
using EmsSharp.Protocols.Dtls;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace EmsSharp.Interop.Tests.Playback;

/// <summary>
/// Issue 17, several ems per room (<c>server.multiEmsRooms</c>) end to end: two ems serve one room with the same
/// stream, 20 viewers (4 Chromium pages, 16 of the load tool's simulated viewers) split 10/10 by the ERS's rule; one ems
/// stops and its Chromium pages play again from the other within 5 s. Every other setting is the default.
/// </summary>
[Collection(PlaybackAloneCollection.Name)]
public sealed class MultiEmsPlaybackTests(ITestOutputHelper output)
{
    private const int Pages = 4;
    private const int Simulated = 16;

    [Fact]
    public async Task Twenty_viewers_split_over_two_ems_and_the_pages_of_one_that_stops_play_again_from_the_other_within_5_s()
    {
        await using var rig = await PlaybackRig.StartAsync(o => o.Server.MultiEmsRooms = true);
        var secondFolder = Directory.CreateTempSubdirectory("ems-second-").FullName;
        var second = await PlaybackRig.StartEmsAsync(secondFolder); // plays samples/test.flv as "test" too
        using var secondApi = new HttpClient { BaseAddress = new Uri($"http://{second.HttpEndPoint}/") };
        using var signalling = rig.ViewerSignalling(ViewerTransport.Srtp);
        var pages = new List<IPage>();
        var viewers = new List<SimulatedViewer>();
        var secondStopped = false;
        try
        {
            await rig.StartWebrtcAsync();
            var firstId = Assert.Single(await EmsIdsAsync(rig));
            await PlaybackRig.StartWebrtcAsync(secondApi, "127.0.0.1", rig.Ers.Port);
            var secondId = Assert.Single(await EmsIdsAsync(rig), id => id != firstId);

            // One page at a time (each playing before the next joins), so the pages alternate: two on each ems.
            for (var i = 0; i < Pages; i++)
            {
                pages.Add(await rig.OpenPlayerAsync("test", i % 2 == 0 ? "srtp" : "fmp4"));
                await PlaybackRig.WaitForStatsAsync(pages[^1], s => s.GetProperty("framesDecoded").GetInt32() > 0, TimeSpan.FromSeconds(20), rig);
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(40));
            for (var i = 0; i < Simulated; i++)
            {
                var viewer = new SimulatedViewer(signalling.Create(), ViewerTransport.Srtp, "test", DtlsCertificate.Generate());
                viewers.Add(viewer);
                await viewer.JoinAsync(timeout.Token);
            }

            await Task.WhenAll(viewers.Select(v => v.WaitForPacketsAsync(1, timeout.Token)));

            // The rule: both report the stream and no cap (emsLoad, which the ERS shows), so each join goes to the ems
            // handed the fewest: 10 and 10; both serve theirs.
            Assert.All((await RoomAsync(rig)).GetProperty("emss").EnumerateArray(), e => Assert.Contains(
                "test", e.GetProperty("load").GetProperty("streams").EnumerateArray().Select(n => n.GetString())));
            var handed = await HandedAsync(rig);
            output.WriteLine($"handed: {firstId} {handed[firstId]}, {secondId} {handed[secondId]}");
            Assert.Equal(10, handed[firstId]);
            Assert.Equal(10, handed[secondId]);
            Assert.Equal(10, await rig.CountPeersAsync());
            Assert.Equal(10, await PlaybackRig.CountPeersAsync(secondApi));
            var onSecond = new List<IPage>();
            foreach (var page in pages)
            {
                if (await page.EvaluateAsync<string>("() => window.player.emsId") == secondId)
                    onSecond.Add(page);
            }

            Assert.Equal(Pages / 2, onSecond.Count);

            // The second ems stops: the room hears "remove", its pages rejoin and are handed to the first.
            var stopped = Stopwatch.StartNew();
            await second.DisposeAsync();
            secondStopped = true;
            output.WriteLine($"the second ems stopped in {stopped.ElapsedMilliseconds} ms");
            foreach (var page in onSecond)
            {
                await PlaysFromAsync(page, firstId, stopped, TimeSpan.FromSeconds(5), rig);
                output.WriteLine($"a page of the stopped ems played from the other {stopped.ElapsedMilliseconds} ms after the stop");
            }

            Assert.Equal(10 + onSecond.Count, await rig.CountPeersAsync());
        }
        finally
        {
            foreach (var page in pages)
                await page.CloseAsync();
            foreach (var viewer in viewers)
                await viewer.DisposeAsync();
            if (!secondStopped)
                await second.DisposeAsync();
            Directory.Delete(secondFolder, recursive: true);
        }
    }

    // Waits (within what is left of timeout since stopped) until the page plays from ems.
    private static async Task PlaysFromAsync(IPage page, string ems, Stopwatch stopped, TimeSpan timeout, PlaybackRig rig)
    {
        // Evaluated by the page every 50 ms until true (an interval, not animation frames, which a page in the background
        // may not get): the player's ems is that one, it says playing, and
        // the video's time advanced past the first time seen so (kept in the page between the evaluations).
        const string PlaysFrom = """
            ems => {
              const p = window.player, t = document.getElementById('video').currentTime;
              if (p.emsId !== ems || p.current.state !== 'playing') return false;
              if (window.__playsFromFirst === undefined) { window.__playsFromFirst = t; return false; }
              return t > window.__playsFromFirst;
            }
            """;
        await page.EvaluateAsync("() => { delete window.__playsFromFirst; }");
        var left = timeout - stopped.Elapsed;
        try
        {
            await page.WaitForFunctionAsync(PlaysFrom, ems, new PageWaitForFunctionOptions { Timeout = (float)Math.Max(1, left.TotalMilliseconds), PollingInterval = 50 });
        }
        catch (TimeoutException) // Playwright reports a wait that ran out as System.TimeoutException
        {
            var last = await page.EvaluateAsync<string>(
                "() => JSON.stringify({ ems: window.player.emsId, state: window.player.current.state, t: document.getElementById('video').currentTime })");
            Assert.Fail($"the page did not play again from the other ems {timeout.TotalSeconds} s after the stop: {last}\n{rig.Log.Tail(30)}");
        }
    }

    private static async Task<JsonElement> RoomAsync(PlaybackRig rig)
    {
        using var http = new HttpClient();
        var reply = JsonDocument.Parse(await http.GetStringAsync(new Uri($"http://127.0.0.1:{rig.Ers.AdminPort}/?c=listRooms"))).RootElement;
        return reply.GetProperty("data").EnumerateArray().Single(r => r.GetProperty("name").GetString() == PlaybackRig.Room).Clone();
    }

    private static async Task<List<string>> EmsIdsAsync(PlaybackRig rig) =>
        [.. (await RoomAsync(rig)).GetProperty("emss").EnumerateArray().Select(e => e.GetProperty("id").GetString()!)];

    private static async Task<Dictionary<string, int>> HandedAsync(PlaybackRig rig) =>
        (await RoomAsync(rig)).GetProperty("emss").EnumerateArray()
            .ToDictionary(e => e.GetProperty("id").GetString()!, e => e.GetProperty("handed").GetInt32());
}
