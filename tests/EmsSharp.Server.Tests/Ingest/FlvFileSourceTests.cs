using EmsSharp.Media.Hub;
using EmsSharp.Server.Ingest;
using EmsSharp.Server.Tests.Api;

namespace EmsSharp.Server.Tests.Ingest;

public class FlvFileSourceTests
{
    [Fact]
    public async Task Plays_in_real_time_on_the_time_provider_and_loops_with_monotonic_timestamps()
    {
        // The source waits on the observed clock, the hub on the real one: every timer the test sees is the source's.
        var time = new ObservedTimeProvider();
        var hub = new StreamHub();
        var file = FlvTestFile.Create(videoFrames: 25, frameMs: 40, gop: 25, audio: true); // 1 s per pass
        var source = new FlvFileSource("demo", file, loop: true, hub, time);
        using var cts = new CancellationTokenSource();
        var run = source.RunAsync(cts.Token);
        var stream = await hub.WaitForStreamAsync("demo", TimeSpan.FromSeconds(10));
        Assert.NotNull(stream);
        using var reader = stream.CreateReader(10_000);
        var frames = new List<MediaFrame>();

        // Step the fake clock 40 ms at a time through three passes; after each step exactly the frames due
        // by then have been published (waiting on the real clock only for the source's task to run).
        // The clock moves only once the source waits for its next tag (its turn's delay is created): a move before that
        // would make the delay run from the moved clock, 40 ms late.
        for (var step = 1; step <= 75; step++)
        {
            await time.TimerCreated.WaitUntilAsync(() => time.TimersCreated >= step, "the source did not wait for its next tag");
            time.Advance(TimeSpan.FromMilliseconds(40));
            var expected = step + 1;
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (frames.Count(f => f.Kind == TrackKind.Video) < Math.Min(expected, 76) && DateTime.UtcNow < deadline)
            {
                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                try
                {
                    await reader.WaitToReadAsync(wait.Token);
                }
                catch (OperationCanceledException)
                {
                }

                frames.AddRange(FlvLoopPlayerTests.Drain(reader));
            }

            Assert.Equal(expected, frames.Count(f => f.Kind == TrackKind.Video));
        }

        Assert.Equal(3, source.Player!.Loops);
        FlvLoopPlayerTests.AssertMonotonic(frames, TrackKind.Video);
        FlvLoopPlayerTests.AssertMonotonic(frames, TrackKind.Audio);
        var video = frames.Where(f => f.Kind == TrackKind.Video).ToList();
        Assert.Equal(3000L * 90, video[^1].Dts);
        Assert.Equal(4, video.Count(f => f.IsKeyframe));

        await cts.CancelAsync();
        Assert.Null(await run);
        Assert.True(stream.IsClosed);
        Assert.False(await reader.WaitToReadAsync());
    }

    [Fact]
    public async Task Refuses_a_live_name_and_a_non_flv_file()
    {
        var hub = new StreamHub();
        Assert.True(hub.TryPublish("busy", out var busy));
        var file = FlvTestFile.Create(1, 40, 1, audio: false); // every tag at 0: no waiting
        Assert.NotNull(await new FlvFileSource("busy", file, false, hub, TimeProvider.System).RunAsync(CancellationToken.None));
        Assert.NotNull(await new FlvFileSource("other", new byte[20], false, hub, TimeProvider.System).RunAsync(CancellationToken.None));
        Assert.Null(await new FlvFileSource("other", file, false, hub, TimeProvider.System).RunAsync(CancellationToken.None));
        busy.Dispose();
    }
}
