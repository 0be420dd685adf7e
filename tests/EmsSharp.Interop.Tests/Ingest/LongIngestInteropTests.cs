using EmsSharp.Media.Hub;
using EmsSharp.Server.Ingest;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace EmsSharp.Interop.Tests.Ingest;

/// <summary>
/// A minute of real publishing: ffmpeg pushes H.264 + audio over RTMP (AAC) and over RTSP (Opus, TCP and UDP),
/// and one hub reader gets every frame for 60 s: DTS strictly rising per track, no video gap longer than
/// 1.5 frame durations, no overflow of the reader's queue, and the minute of media all there.
/// </summary>
public sealed class LongIngestInteropTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("rtmp", "aac")]
    [InlineData("tcp", "libopus")]
    [InlineData("udp", "libopus")]
    public async Task A_hub_reader_gets_every_frame_for_60_seconds(string transport, string audioEncoder)
    {
        var hub = new StreamHub();
        var options = Options.Create(new IngestOptions
        {
            RtmpPort = 0,
            RtmpAddress = "127.0.0.1",
            RtspPort = 0,
            RtspAddress = "127.0.0.1",
        });
        using var rtmp = new RtmpServer(options, new PublishAuthorizer(options, hub, TimeProvider.System), TimeProvider.System, NullLogger<RtmpServer>.Instance);
        using var rtsp = new RtspServer(options, new PublishAuthorizer(options, hub, TimeProvider.System), TimeProvider.System, NullLogger<RtspServer>.Instance);
        await rtmp.StartAsync(CancellationToken.None);
        await rtsp.StartAsync(CancellationToken.None);
        var seconds = (int)Duration.TotalSeconds + 6;
        using var ffmpeg = FfmpegProcess.Start(transport == "rtmp"
            ? FfmpegProcess.TestSourceArguments(seconds, $"rtmp://127.0.0.1:{rtmp.LocalEndPoint!.Port}/live/long")
            : RtspTestMedia.Arguments(seconds, audioEncoder, "-f", "rtsp", "-rtsp_transport", transport,
                $"rtsp://127.0.0.1:{rtsp.LocalEndPoint!.Port}/long"));
        try
        {
            var stream = await hub.WaitForStreamAsync("long", TimeSpan.FromSeconds(20));
            Assert.True(stream is not null, "no stream; ffmpeg said: " + ffmpeg.Stderr);
            using var reader = stream.CreateReader(16384);
            long firstVideo = long.MinValue, lastVideo = long.MinValue, lastAudio = long.MinValue, maxGap = 0;
            int video = 0, audio = 0;
            var deadline = DateTime.UtcNow + Duration;
            while (DateTime.UtcNow < deadline)
            {
                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                Assert.True(await reader.WaitToReadAsync(wait.Token), "stream ended early: " + ffmpeg.Stderr);
                while (reader.TryRead(out var frame))
                {
                    if (frame.Kind == TrackKind.Video)
                    {
                        Assert.True(frame.Dts > lastVideo, $"video DTS {frame.Dts} after {lastVideo}");
                        if (lastVideo != long.MinValue)
                            maxGap = Math.Max(maxGap, frame.Dts - lastVideo);
                        else
                            firstVideo = frame.Dts;
                        lastVideo = frame.Dts;
                        video++;
                    }
                    else
                    {
                        Assert.True(frame.Dts > lastAudio, $"audio DTS {frame.Dts} after {lastAudio}");
                        lastAudio = frame.Dts;
                        audio++;
                    }
                }
            }

            var mediaSeconds = (lastVideo - firstVideo) / 90_000.0;
            output.WriteLine($"{transport}: {video} video / {audio} audio frames, {mediaSeconds:F1} s of video, " +
                $"largest video step {maxGap / 90.0:F1} ms, reader overflows {reader.Overflows}, " +
                $"frames skipped before the first keyframe {reader.DroppedFrames}");
            Assert.Equal(0, reader.Overflows); // the reader's queue never overflowed: nothing lost after the first keyframe
            Assert.True(maxGap <= 4_500, $"a video frame is missing: a {maxGap / 90.0:F1} ms step at 30 fps");
            // The reader ran for 60 s of wall time; ffmpeg -re paces in real time (a loaded machine may lag a little).
            Assert.True(mediaSeconds >= 50, $"only {mediaSeconds:F1} s of video in 60 s");
            Assert.True(audio >= mediaSeconds * 40, $"only {audio} audio frames for {mediaSeconds:F1} s");
        }
        finally
        {
            await rtmp.StopAsync(CancellationToken.None);
            await rtsp.StopAsync(CancellationToken.None);
        }
    }
}
