using EmsSharp.Media.Hub;
using EmsSharp.Server.Api;
using Microsoft.Extensions.DependencyInjection;

namespace EmsSharp.Interop.Tests.Ingest;

public class RtmpPullInteropTests
{
    [Fact]
    public async Task PullStream_plays_from_ffmpeg_acting_as_an_rtmp_server()
    {
        int port = FreePort.Get();
        var url = $"rtmp://127.0.0.1:{port}/app/x";
        using var ffmpeg = FfmpegProcess.Start(RtspTestMedia.Arguments(30, "aac", "-f", "flv", "-listen", "1", url));
        var (host, folder) = await InteropEms.StartAsync();
        await using (host)
        {
            try
            {
                var registry = host.Services.GetRequiredService<CommandRegistry>();
                var reply = await registry.ExecuteLineAsync($"pullStream uri={url} localStreamName=fromrtmp", new CommandSession(ApiTransport.Http), CancellationToken.None);
                Assert.True(reply.Success, reply.Description);
                var stream = await host.Services.GetRequiredService<StreamHub>().WaitForStreamAsync("fromrtmp", TimeSpan.FromSeconds(20));
                Assert.True(stream is not null, "no stream; ffmpeg said: " + ffmpeg.Stderr);
                var (video, audio, keyframes) = await RtspTestMedia.ReadAsync(stream, TimeSpan.FromSeconds(3), MediaCodec.Aac, () => ffmpeg.Stderr);
                Assert.True(video >= 45, $"only {video} video frames; {ffmpeg.Stderr}");
                Assert.True(audio >= 75, $"only {audio} audio frames");
                Assert.True(keyframes >= 1);
                Assert.Equal((320, 240), (stream.Video!.Width, stream.Video.Height));
                Assert.Equal((MediaCodec.Aac, 48_000), (stream.Audio!.Codec, stream.Audio.SampleRate));
            }
            finally
            {
                ffmpeg.Dispose();
            }
        }

        Directory.Delete(folder, recursive: true);
    }
}
