using EmsSharp.Media.Flv;
using EmsSharp.Media.Hub;
using EmsSharp.Server.Ingest;

namespace EmsSharp.Server.Tests.Ingest;

public class FlvLoopPlayerTests
{
    [Fact]
    public void Publishes_only_what_is_due_and_loops_with_monotonic_timestamps()
    {
        // 10 frames 40 ms apart: one pass lasts 400 ms of stream time (last frame at 360 + one gap).
        var file = FlvTestFile.Create(videoFrames: 10, frameMs: 40, gop: 5, audio: true);
        Assert.True(FlvFileReader.TryOpen(file, out var reader));
        var hub = new StreamHub();
        Assert.True(hub.TryPublish("loop", out var stream));
        using var frames = stream.CreateReader(10_000);
        var player = new FlvLoopPlayer(reader, new FlvTagPublisher(stream), loop: true);

        Assert.Equal(TimeSpan.FromMilliseconds(21), player.PublishDue(TimeSpan.Zero)); // the next AAC frame
        var atStart = Drain(frames);
        Assert.Single(atStart, f => f.Kind == TrackKind.Video);

        Assert.Equal(TimeSpan.FromMilliseconds(80), player.PublishDue(TimeSpan.FromMilliseconds(79)));
        var second = Drain(frames);
        Assert.Single(second, f => f.Kind == TrackKind.Video);

        var next = player.PublishDue(TimeSpan.FromMilliseconds(1250));
        Assert.Equal(3, player.Loops);
        Assert.True(next > TimeSpan.FromMilliseconds(1250));

        var all = atStart.Concat(second).Concat(Drain(frames)).ToList();
        AssertMonotonic(all, TrackKind.Video);
        AssertMonotonic(all, TrackKind.Audio);
        var video = all.Where(f => f.Kind == TrackKind.Video).ToList();
        Assert.Equal(32, video.Count); // 0..1240 ms every 40 ms
        Assert.Equal(1240L * 90, video[^1].Dts);
        Assert.Equal(7, video.Count(f => f.IsKeyframe));
        stream.Dispose();
    }

    [Fact]
    public void Without_loop_it_ends_and_an_empty_file_publishes_nothing()
    {
        var hub = new StreamHub();
        Assert.True(hub.TryPublish("once", out var stream));
        Assert.True(FlvFileReader.TryOpen(FlvTestFile.Create(3, 40, 3, audio: false), out var reader));
        var player = new FlvLoopPlayer(reader, new FlvTagPublisher(stream), loop: false);
        Assert.Null(player.PublishDue(TimeSpan.FromSeconds(10)));
        Assert.Equal(4, player.TagsPublished);

        Assert.True(FlvFileReader.TryOpen(FlvTestFile.Create(0, 40, 3, audio: false)[..13], out var empty));
        var none = new FlvLoopPlayer(empty, new FlvTagPublisher(stream), loop: true);
        Assert.Null(none.PublishDue(TimeSpan.FromSeconds(10)));
        stream.Dispose();
    }

    internal static List<MediaFrame> Drain(LiveStreamReader reader)
    {
        var frames = new List<MediaFrame>();
        while (reader.TryRead(out var frame))
        {
            frames.Add(frame);
        }

        return frames;
    }

    internal static void AssertMonotonic(List<MediaFrame> frames, TrackKind kind)
    {
        long last = -1;
        foreach (var frame in frames.Where(f => f.Kind == kind))
        {
            Assert.True(frame.Dts > last, $"{kind} DTS {frame.Dts} after {last}");
            last = frame.Dts;
        }
    }
}
