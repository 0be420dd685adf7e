using EmsSharp.Media.Hub;
using EmsSharp.Server.Ingest;
using Microsoft.Extensions.Options;

namespace EmsSharp.Interop.Tests.Ingest;

/// <summary>ffmpeg publishing with user/password credentials (RTSP Digest, RTMP query) and taking a name over.</summary>
public class PublishCredentialsInteropTests
{
    [Fact]
    public async Task Ffmpeg_publishes_over_rtsp_with_a_digest_user_and_a_wrong_password_is_refused_with_a_log_line()
    {
        var hub = new StreamHub();
        var ingest = new IngestOptions { RtspPort = 0, RtspAddress = "127.0.0.1" };
        ingest.PublishUsers["cam"] = "bob:pa55";
        var options = Options.Create(ingest);
        var log = new LinesLogger<RtspServer>();
        using var authorizer = new PublishAuthorizer(options, hub, TimeProvider.System);
        using var server = new RtspServer(options, authorizer, TimeProvider.System, log);
        await server.StartAsync(CancellationToken.None);
        try
        {
            var port = server.LocalEndPoint!.Port;
            using (var wrong = FfmpegProcess.Start(RtspTestMedia.Arguments(5, "libopus", "-f", "rtsp", "-rtsp_transport", "tcp", $"rtsp://bob:guess@127.0.0.1:{port}/cam")))
            {
                Assert.True(await wrong.WaitForExitAsync(TimeSpan.FromSeconds(20)), "ffmpeg kept publishing: " + wrong.Stderr);
                Assert.NotEqual(0, wrong.ExitCode);
            }

            Assert.Contains(log.Lines, l => l.Contains("RTSP publish of cam", StringComparison.Ordinal) &&
                l.Contains("wrong publish key or user/password", StringComparison.Ordinal));
            Assert.False(hub.TryGetStream("cam", out _));

            // ffmpeg sends ANNOUNCE bare, gets the 401 Digest challenge, and answers it.
            using var right = FfmpegProcess.Start(RtspTestMedia.Arguments(30, "libopus", "-f", "rtsp", "-rtsp_transport", "tcp", $"rtsp://bob:pa55@127.0.0.1:{port}/cam"));
            var stream = await hub.WaitForStreamAsync("cam", TimeSpan.FromSeconds(20));
            Assert.True(stream is not null, "no stream; ffmpeg said: " + right.Stderr);
        }
        finally
        {
            await server.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_reconnecting_rtmp_publisher_with_the_same_credentials_takes_its_name_over_from_the_stale_one()
    {
        var hub = new StreamHub();
        var ingest = new IngestOptions { RtmpPort = 0, RtmpAddress = "127.0.0.1" };
        ingest.PublishUsers["cam"] = "bob:pa55";
        var options = Options.Create(ingest);
        var log = new LinesLogger<RtmpServer>();
        using var authorizer = new PublishAuthorizer(options, hub, TimeProvider.System);
        using var server = new RtmpServer(options, authorizer, TimeProvider.System, log);
        await server.StartAsync(CancellationToken.None);
        try
        {
            var url = $"rtmp://127.0.0.1:{server.LocalEndPoint!.Port}/live/cam?user=bob&pass=pa55";
            using var stale = FfmpegProcess.Start(FfmpegProcess.TestSourceArguments(60, url));
            var first = await hub.WaitForStreamAsync("cam", TimeSpan.FromSeconds(30));
            Assert.True(first is not null, "no stream; ffmpeg said: " + stale.Stderr);

            // Another user's password does not take it over.
            using (var other = FfmpegProcess.Start(FfmpegProcess.TestSourceArguments(5, url.Replace("pa55", "nope", StringComparison.Ordinal))))
            {
                Assert.True(await other.WaitForExitAsync(TimeSpan.FromSeconds(20)), "the wrong password kept publishing");
            }

            Assert.False(first.IsClosed);

            using var again = FfmpegProcess.Start(FfmpegProcess.TestSourceArguments(30, url));
            await first.Completion.WaitAsync(TimeSpan.FromSeconds(30));
            var second = await hub.WaitForStreamAsync("cam", TimeSpan.FromSeconds(30));
            Assert.True(second is not null && !ReferenceEquals(first, second), "no new stream; ffmpeg said: " + again.Stderr);
            Assert.True(await stale.WaitForExitAsync(TimeSpan.FromSeconds(20)), "the stale publisher's connection was not closed");
            Assert.Contains(log.Lines, l => l.Contains("takes the name over", StringComparison.Ordinal));
            Assert.False(again.HasExited, "the new publisher stopped: " + again.Stderr);
        }
        finally
        {
            await server.StopAsync(CancellationToken.None);
        }
    }
}
