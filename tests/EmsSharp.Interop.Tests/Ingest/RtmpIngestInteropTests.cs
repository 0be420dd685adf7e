using System.Net.Sockets;
using EmsSharp.Media.Hub;
using EmsSharp.Server.Ingest;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EmsSharp.Interop.Tests.Ingest;

public class RtmpIngestInteropTests
{
    [Fact]
    public async Task Ffmpeg_publishes_with_its_key_and_without_one_is_refused_with_a_log_line()
    {
        var hub = new StreamHub();
        var ingest = new IngestOptions { RtmpPort = 0, RtmpAddress = "127.0.0.1" };
        ingest.PublishKeys["keyed"] = "s3cret";
        var log = new LinesLogger<RtmpServer>();
        using var server = new RtmpServer(Options.Create(ingest), new PublishAuthorizer(Options.Create(ingest), hub, TimeProvider.System), TimeProvider.System, log);
        await server.StartAsync(CancellationToken.None);
        try
        {
            var url = $"rtmp://127.0.0.1:{server.LocalEndPoint!.Port}/live/keyed";
            using (var refused = FfmpegProcess.Start(FfmpegProcess.TestSourceArguments(5, url)))
            {
                Assert.True(await refused.WaitForExitAsync(TimeSpan.FromSeconds(20)), "ffmpeg kept publishing: " + refused.Stderr);
                Assert.NotEqual(0, refused.ExitCode);
            }

            Assert.Contains(log.Lines, l => l.Contains("publish of keyed", StringComparison.Ordinal) &&
                l.Contains("publish credentials are required", StringComparison.Ordinal));
            Assert.False(hub.TryGetStream("keyed", out _));

            // The key in the stream name's query, as OBS's stream key field or an ffmpeg URL gives it.
            using var keyed = FfmpegProcess.Start(FfmpegProcess.TestSourceArguments(30, url + "?key=s3cret"));
            var stream = await hub.WaitForStreamAsync("keyed", TimeSpan.FromSeconds(30));
            Assert.True(stream is not null, "no stream; ffmpeg said: " + keyed.Stderr);
        }
        finally
        {
            await server.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Ffmpeg_publishing_an_overlong_stream_name_is_refused_with_a_log_line_and_nothing_is_published()
    {
        var hub = new StreamHub();
        var options = Options.Create(new IngestOptions { RtmpPort = 0, RtmpAddress = "127.0.0.1" });
        var log = new LinesLogger<RtmpServer>();
        using var server = new RtmpServer(options, new PublishAuthorizer(options, hub, TimeProvider.System), TimeProvider.System, log);
        await server.StartAsync(CancellationToken.None);
        try
        {
            var name = new string('n', StreamName.MaxLength + 1);
            using var ffmpeg = FfmpegProcess.Start(FfmpegProcess.TestSourceArguments(5, $"rtmp://127.0.0.1:{server.LocalEndPoint!.Port}/live/{name}"));
            Assert.True(await ffmpeg.WaitForExitAsync(TimeSpan.FromSeconds(20)), "ffmpeg kept publishing: " + ffmpeg.Stderr);
            Assert.NotEqual(0, ffmpeg.ExitCode);
            Assert.False(hub.TryGetStream(name, out _));
            Assert.Contains(log.Lines, l => l.Contains("longer than 256 characters", StringComparison.Ordinal));
        }
        finally
        {
            await server.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Ffmpeg_publishes_h264_and_aac_while_garbage_and_a_second_publisher_are_refused()
    {
        var hub = new StreamHub();
        var options = Options.Create(new IngestOptions { RtmpPort = 0, RtmpAddress = "127.0.0.1" });
        using var server = new RtmpServer(options, new PublishAuthorizer(options, hub, TimeProvider.System), TimeProvider.System, NullLogger<RtmpServer>.Instance);
        await server.StartAsync(CancellationToken.None);
        var url = $"rtmp://127.0.0.1:{server.LocalEndPoint!.Port}/live/test";
        using var ffmpeg = FfmpegProcess.Start(FfmpegProcess.TestSourceArguments(30, url));
        try
        {
            // ffmpeg checks the digest of S1 and the signature of S2, so getting here proves the digest handshake.
            var stream = await hub.WaitForStreamAsync("test", TimeSpan.FromSeconds(30));
            Assert.True(stream is not null, "no stream; ffmpeg said: " + ffmpeg.Stderr);
            using var reader = stream.CreateReader(8192);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            var garbageAt = DateTime.UtcNow + TimeSpan.FromSeconds(3);
            Task<bool>? garbage = null;
            Task<bool>? second = null;
            FfmpegProcess? secondPublisher = null;
            long lastVideo = long.MinValue, lastAudio = long.MinValue;
            int video = 0, audio = 0, afterGarbage = 0, keyframes = 0;
            MediaFrame? first = null;
            while (DateTime.UtcNow < deadline)
            {
                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                Assert.True(await reader.WaitToReadAsync(wait.Token), "stream ended early: " + ffmpeg.Stderr);
                while (reader.TryRead(out var frame))
                {
                    first ??= frame;
                    if (frame.Kind == TrackKind.Video)
                    {
                        Assert.Equal(MediaCodec.H264, frame.Codec);
                        Assert.True(frame.Dts > lastVideo, $"video DTS {frame.Dts} after {lastVideo}");
                        Assert.True(frame.Pts >= frame.Dts);
                        lastVideo = frame.Dts;
                        video++;
                        keyframes += frame.IsKeyframe ? 1 : 0;
                    }
                    else
                    {
                        Assert.Equal(MediaCodec.Aac, frame.Codec);
                        Assert.True(frame.Dts > lastAudio, $"audio DTS {frame.Dts} after {lastAudio}");
                        lastAudio = frame.Dts;
                        audio++;
                    }

                    afterGarbage += garbage is { IsCompleted: true } ? 1 : 0;
                }

                if (garbage is null && DateTime.UtcNow >= garbageAt)
                {
                    garbage = SendGarbageAndExpectCloseAsync(server.LocalEndPoint.Port);
                    secondPublisher = FfmpegProcess.Start(FfmpegProcess.TestSourceArguments(5, url));
                    second = secondPublisher.WaitForExitAsync(TimeSpan.FromSeconds(20));
                }
            }

            Assert.NotNull(garbage);
            Assert.True(await garbage, "the garbage connection was not closed");
            Assert.True(await second!, "the second publisher was not refused");
            Assert.NotEqual(0, secondPublisher!.ExitCode);
            secondPublisher.Dispose();

            Assert.True(first!.Value.Kind == TrackKind.Video && first.Value.IsKeyframe, "first frame not a keyframe");
            Assert.True(video >= 90, $"only {video} video frames");
            Assert.True(audio >= 150, $"only {audio} audio frames");
            Assert.True(keyframes >= 3, $"only {keyframes} keyframes");
            Assert.True(afterGarbage > 0, "no frames after the garbage connection");
            Assert.False(ffmpeg.HasExited, "the publisher stopped: " + ffmpeg.Stderr);

            var videoTrack = stream.Video!;
            Assert.Equal(MediaCodec.H264, videoTrack.Codec);
            Assert.Equal(1, videoTrack.DecoderConfiguration.Span[0]);
            Assert.Equal((320, 240), (videoTrack.Width, videoTrack.Height));
            var audioTrack = stream.Audio!;
            Assert.Equal((MediaCodec.Aac, 48_000, 1), (audioTrack.Codec, audioTrack.SampleRate, audioTrack.Channels));
            Assert.Equal(0, reader.Overflows); // only frames before the first keyframe may be skipped
            Assert.True(stream.GetStats().BitsPerSecond > 0);
        }
        finally
        {
            ffmpeg.Dispose();
            await server.StopAsync(CancellationToken.None);
        }

        Assert.Equal(0, hub.Count);
    }

    private static async Task<bool> SendGarbageAndExpectCloseAsync(int port)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        var stream = client.GetStream();
        var garbage = new byte[4096];
        new Random(1935).NextBytes(garbage);
        "GET / HTTP/1.1\r\n"u8.CopyTo(garbage);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await stream.WriteAsync(garbage, timeout.Token);
            var buffer = new byte[8192];
            while (await stream.ReadAsync(buffer, timeout.Token) > 0)
            {
            }

            return true;
        }
        catch (IOException)
        {
            return true; // reset by the server: closed as well
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
