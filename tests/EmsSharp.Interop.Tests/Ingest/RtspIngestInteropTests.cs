using System.Net.Sockets;
using EmsSharp.Media.Hub;
using EmsSharp.Server.Ingest;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EmsSharp.Interop.Tests.Ingest;

public class RtspIngestInteropTests
{
    [Theory]
    [InlineData("tcp", "libopus")]
    [InlineData("udp", "libopus")]
    [InlineData("tcp", "aac")]
    public async Task Ffmpeg_publishes_h264_and_opus_or_aac_over_rtsp(string transport, string audioEncoder)
    {
        var audioCodec = audioEncoder == "aac" ? MediaCodec.Aac : MediaCodec.Opus;
        var hub = new StreamHub();
        var options = Options.Create(new IngestOptions { RtspPort = 0, RtspAddress = "127.0.0.1" });
        using var server = new RtspServer(options, new PublishAuthorizer(options, hub, TimeProvider.System), TimeProvider.System, NullLogger<RtspServer>.Instance);
        await server.StartAsync(CancellationToken.None);
        var url = $"rtsp://127.0.0.1:{server.LocalEndPoint!.Port}/live/{transport}";
        using var ffmpeg = FfmpegProcess.Start(RtspTestMedia.Arguments(20, audioEncoder, "-f", "rtsp", "-rtsp_transport", transport, url));
        try
        {
            var stream = await hub.WaitForStreamAsync("live/" + transport, TimeSpan.FromSeconds(20));
            Assert.True(stream is not null, "no stream; ffmpeg said: " + ffmpeg.Stderr);
            var (video, audio, keyframes) = await RtspTestMedia.ReadAsync(stream, TimeSpan.FromSeconds(3), audioCodec, () => ffmpeg.Stderr);
            Assert.True(video >= 45, $"only {video} video frames; {ffmpeg.Stderr}");
            Assert.True(audio >= 75, $"only {audio} audio frames");
            Assert.True(keyframes >= 1);
            Assert.Equal((MediaCodec.H264, 320, 240), (stream.Video!.Codec, stream.Video.Width, stream.Video.Height));
            Assert.Equal(1, stream.Video.DecoderConfiguration.Span[0]);
            Assert.Equal((audioCodec, 48_000), (stream.Audio!.Codec, stream.Audio.SampleRate));
            if (audioCodec == MediaCodec.Aac)
            {
                Assert.Equal(0x11, stream.Audio.DecoderConfiguration.Span[0]); // ASC from config=: AAC LC, 48 kHz
            }

            // A second publisher of the live name is refused; garbage closes only its own connection.
            using var second = FfmpegProcess.Start(RtspTestMedia.Arguments(3, "libopus", "-f", "rtsp", "-rtsp_transport", transport, url));
            Assert.True(await second.WaitForExitAsync(TimeSpan.FromSeconds(20)), "the second publisher was not refused");
            Assert.NotEqual(0, second.ExitCode);
            Assert.True(await SendGarbageAndExpectCloseAsync(server.LocalEndPoint.Port), "the garbage connection was not closed");
            Assert.False(stream.IsClosed, "the first publisher's stream ended");
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
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await stream.WriteAsync("OPTIONS rtsp://x/ RTSP/1.0\r\nCSeq: 1\r\nContent-Length: -5\r\n\r\n"u8.ToArray(), timeout.Token);
            var buffer = new byte[8192];
            while (await stream.ReadAsync(buffer, timeout.Token) > 0)
            {
            }

            return true;
        }
        catch (IOException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
