using EmsSharp.Media.Hub;
using EmsSharp.Server;
using EmsSharp.Server.Api;
using Microsoft.Extensions.DependencyInjection;

namespace EmsSharp.Interop.Tests.Ingest;

public class RtspPullInteropTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task PullStream_with_digest_auth_gets_h264_and_aac_and_keeps_the_session_alive(bool forceTcp)
    {
        await using var shim = await RtspSourceShim.StartAsync(0, 30, "user", "s3cret");
        var (host, folder) = await InteropEms.StartAsync();
        await using var _ = host;
        try
        {
            var reply = await RunAsync(host, $"pullStream uri=rtsp://user:s3cret@127.0.0.1:{shim.Port}/live/cam localStreamName=cam forceTcp={(forceTcp ? 1 : 0)}");
            Assert.True(reply.Success, reply.Description);
            Assert.Equal(1, reply.Data!["operationType"]!.GetValue<int>());

            var hub = host.Services.GetRequiredService<StreamHub>();
            var stream = await hub.WaitForStreamAsync("cam", TimeSpan.FromSeconds(20));
            Assert.True(stream is not null, "no stream; ffmpeg said: " + shim.FfmpegErrors);
            var (video, audio, keyframes) = await RtspTestMedia.ReadAsync(stream, TimeSpan.FromSeconds(5), MediaCodec.Aac, () => shim.FfmpegErrors);
            Assert.True(video >= 60, $"only {video} video frames");
            Assert.True(audio >= 100, $"only {audio} audio frames");
            Assert.True(keyframes >= 1);
            Assert.True(shim.Challenges >= 1, "the source never challenged");
            Assert.True(shim.KeepAlives >= 1, "no keep-alive within the 4 s session timeout");

            var list = await RunAsync(host, "listStreams");
            var info = Assert.Single(list.Data!.AsArray())!;
            Assert.Equal("cam", info["name"]!.GetValue<string>());
            Assert.Equal("INP", info["type"]!.GetValue<string>()); // EvoStream's tag for RTSP/RTP in
            Assert.Equal(1, info["connectionType"]!.GetValue<int>()); // pull
            Assert.StartsWith("rtsp://", info["pullSettings"]!["uri"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Equal("127.0.0.1", info["farIp"]!.GetValue<string>());
            Assert.Equal("VH264", info["video"]!["codec"]!.GetValue<string>());
            Assert.Equal(320, info["video"]!["width"]!.GetValue<int>());
            Assert.Equal("AAAC", info["audio"]!["codec"]!.GetValue<string>());
            Assert.Equal(48_000, info["audio"]!["sampleRate"]!.GetValue<int>());

            // shutdownStream ends a pull for good: its configuration is gone and it does not come back.
            var shutdown = await RunAsync(host, "shutdownStream localStreamName=cam");
            Assert.True(shutdown.Success, shutdown.Description);
            Assert.False((await RunAsync(host, "isStreamRunning localStreamName=cam")).Data!["Running"]!.GetValue<bool>());
            Assert.Empty((await RunAsync(host, "listConfig")).Data!["pull"]!.AsArray());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task PullStream_with_keepAlive_resumes_after_the_source_restarts()
    {
        var shim = await RtspSourceShim.StartAsync(0, 30);
        int port = shim.Port;
        var (host, folder) = await InteropEms.StartAsync();
        await using var _ = host;
        try
        {
            var reply = await RunAsync(host, $"pullStream uri=rtsp://127.0.0.1:{port}/x forceTcp=1");
            Assert.True(reply.Success, reply.Description);
            var hub = host.Services.GetRequiredService<StreamHub>();
            var first = await hub.WaitForStreamAsync("x", TimeSpan.FromSeconds(20));
            Assert.True(first is not null, "no stream; ffmpeg said: " + shim.FfmpegErrors);
            await RtspTestMedia.ReadAsync(first, TimeSpan.FromSeconds(1), MediaCodec.Aac, () => shim.FfmpegErrors);

            await shim.DisposeAsync(); // kill the source
            using (var ended = new CancellationTokenSource(TimeSpan.FromSeconds(15)))
            {
                await first.Completion.WaitAsync(ended.Token);
            }

            await using var restarted = await RtspSourceShim.StartAsync(port, 30);
            var second = await hub.WaitForStreamAsync("x", TimeSpan.FromSeconds(20));
            Assert.True(second is not null, "the pull did not resume");
            Assert.NotEqual(first.Id, second.Id);
            var (video, audio, _) = await RtspTestMedia.ReadAsync(second, TimeSpan.FromSeconds(2), MediaCodec.Aac, () => restarted.FfmpegErrors);
            Assert.True(video >= 20 && audio >= 30, $"{video} video, {audio} audio frames after the restart");
        }
        finally
        {
            await shim.DisposeAsync();
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task ShutdownStream_permanently_0_ends_a_pull_that_comes_back_and_1_ends_it_for_good()
    {
        await using var shim = await RtspSourceShim.StartAsync(0, 30);
        var (host, folder) = await InteropEms.StartAsync();
        await using var _ = host;
        try
        {
            var pull = await RunAsync(host, $"pullStream uri=rtsp://127.0.0.1:{shim.Port}/live/cam forceTcp=1");
            Assert.True(pull.Success);
            var hub = host.Services.GetRequiredService<StreamHub>();
            var first = await hub.WaitForStreamAsync("cam", TimeSpan.FromSeconds(20));
            Assert.True(first is not null, "no stream; ffmpeg said: " + shim.FfmpegErrors);

            // getConfigInfo's status in EvoStream's codes: connecting (1) before, streaming (0) now, with the stream's
            // uniqueId; timestamps in unix seconds.
            var configId = pull.Data!["configId"]!.GetValue<long>();
            var status = (await RunAsync(host, $"getConfigInfo id={configId}")).Data!["status"]!;
            Assert.Equal(0, status["current"]!["code"]!.GetValue<int>());
            Assert.Equal("Streaming", status["current"]!["description"]!.GetValue<string>());
            Assert.Equal(first.Id, status["current"]!["uniqueStreamId"]!.GetValue<long>());
            Assert.InRange(status["current"]!["timestamp"]!.GetValue<long>(), DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
            Assert.Equal(1, status["previous"]!["code"]!.GetValue<int>());
            var listed = Assert.Single((await RunAsync(host, "listConfig")).Data!["pull"]!.AsArray())!;
            Assert.Equal(0, listed["status"]!["current"]!["code"]!.GetValue<int>()); // listConfig's pull entries too

            // permanently=0: the stream ends, the configuration stays, the pull starts again (EvoStream's keepAlive).
            var reply = await RunAsync(host, "shutdownStream localStreamName=cam permanently=0");
            Assert.True(reply.Success, reply.Description);
            Assert.Equal("cam", reply.Data!["streamInfo"]!["name"]!.GetValue<string>()); // EvoStream's {streamInfo}
            using (var ended = new CancellationTokenSource(TimeSpan.FromSeconds(15)))
            {
                await first.Completion.WaitAsync(ended.Token);
            }

            var second = await hub.WaitForStreamAsync("cam", TimeSpan.FromSeconds(20));
            Assert.True(second is not null, "the pull did not come back");
            Assert.NotEqual(first.Id, second.Id);
            Assert.Single((await RunAsync(host, "listConfig")).Data!["pull"]!.AsArray());

            // The default (permanently=1): gone with its configuration.
            Assert.True((await RunAsync(host, "shutdownStream localStreamName=cam")).Success);
            Assert.Empty((await RunAsync(host, "listConfig")).Data!["pull"]!.AsArray());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<ApiReply> RunAsync(EmsHost host, string line) =>
        await host.Services.GetRequiredService<CommandRegistry>().ExecuteLineAsync(line, new CommandSession(ApiTransport.Http), CancellationToken.None);
}
