using EmsSharp.Media.Flv;
using EmsSharp.Media.Hub;
using EmsSharp.Server.Ingest;

namespace EmsSharp.Interop.Tests.Ingest;

public class FlvFileSourceInteropTests
{
    [Fact]
    public async Task Ffmpeg_made_flv_with_b_frames_loops_with_monotonic_dts_and_composition_offsets()
    {
        var path = Path.Combine(Path.GetTempPath(), $"emssharp-bframes-{Environment.ProcessId}.flv");
        try
        {
            using (var ffmpeg = FfmpegProcess.Start(
                "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
                "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
                "-c:v", "libx264", "-preset", "ultrafast", "-profile:v", "main", "-bf", "2", "-g", "30", "-pix_fmt", "yuv420p",
                "-c:a", "aac", "-t", "3", "-f", "flv", path))
            {
                Assert.True(await ffmpeg.WaitForExitAsync(TimeSpan.FromSeconds(60)), "ffmpeg did not finish");
                Assert.True(ffmpeg.ExitCode == 0, ffmpeg.Stderr);
            }

            var frames = Play(await File.ReadAllBytesAsync(path), TimeSpan.FromSeconds(8), out var stream, out var loops);
            Assert.True(loops >= 2, $"only {loops} loops");
            AssertMonotonic(frames);
            var video = frames.Where(f => f.Kind == TrackKind.Video).ToList();
            Assert.All(video, f => Assert.True(f.Pts >= f.Dts));
            Assert.Contains(video, f => f.Pts != f.Dts);
            Assert.Equal((320, 240), (stream.Video!.Width, stream.Video.Height));
            Assert.Equal(44_100, stream.Audio!.SampleRate);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Committed_demo_sample_plays_as_h264_640x360_and_aac_48k()
    {
        var frames = Play(File.ReadAllBytes(FindSample()), TimeSpan.FromSeconds(25), out var stream, out var loops);
        Assert.Equal(2, loops);
        AssertMonotonic(frames);
        Assert.Equal((MediaCodec.H264, 640, 360), (stream.Video!.Codec, stream.Video.Width, stream.Video.Height));
        Assert.Equal((MediaCodec.Aac, 48_000), (stream.Audio!.Codec, stream.Audio.SampleRate));
        Assert.True(frames.Count(f => f.Kind == TrackKind.Video && f.IsKeyframe) >= 12);
    }

    private static List<MediaFrame> Play(byte[] file, TimeSpan duration, out LiveStream stream, out int loops)
    {
        Assert.True(FlvFileReader.TryOpen(file, out var reader));
        var hub = new StreamHub();
        Assert.True(hub.TryPublish("file", out var published));
        stream = published;
        using var frames = stream.CreateReader(100_000);
        var player = new FlvLoopPlayer(reader, new FlvTagPublisher(stream), loop: true);
        Assert.NotNull(player.PublishDue(duration));
        loops = player.Loops;
        var list = new List<MediaFrame>();
        while (frames.TryRead(out var frame))
        {
            list.Add(frame);
        }

        Assert.Equal(0, frames.Overflows); // only audio ahead of the first keyframe may be skipped
        return list;
    }

    private static void AssertMonotonic(List<MediaFrame> frames)
    {
        foreach (var kind in new[] { TrackKind.Video, TrackKind.Audio })
        {
            long last = long.MinValue;
            foreach (var frame in frames.Where(f => f.Kind == kind))
            {
                Assert.True(frame.Dts > last, $"{kind} DTS {frame.Dts} after {last}");
                last = frame.Dts;
            }
        }
    }

    private static string FindSample()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "samples", "test.flv");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("samples/test.flv not found above " + AppContext.BaseDirectory);
    }
}
