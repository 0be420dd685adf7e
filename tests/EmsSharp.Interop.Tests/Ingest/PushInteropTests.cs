using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using EmsSharp.Media.Hub;
using EmsSharp.Server;
using EmsSharp.Server.Api;
using EmsSharp.Server.Configs;
using EmsSharp.Server.Delivery;
using EmsSharp.Server.Ingest;
using Microsoft.Extensions.DependencyInjection;

namespace EmsSharp.Interop.Tests.Ingest;

/// <summary>
/// pushStream between two ems, over RTMP (RTMP 1.0 §7.2.2.6 publish) and over RTSP (RFC 2326 §10.11 RECORD): ffmpeg
/// publishes H.264+AAC to A, A pushes to B, ffprobe plays it from B (a separate ems process) over the same protocol; B is
/// killed and started again on the same ports and the keepAlive push comes back.
/// </summary>
public class PushInteropTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("rtmp", false)]
    [InlineData("rtsp", false)] // RTP over UDP
    [InlineData("rtsp", true)] // RTP interleaved in the RTSP connection
    public async Task A_pushes_to_b_ffprobe_reads_it_from_b_and_the_push_comes_back_after_b_is_killed_and_restarted(string scheme, bool forceTcp)
    {
        // A runs in this process (its registry and configuration are inspected); B is a separate ems process, killed and
        // started again on the same RTMP port.
        var (a, folderA) = await InteropEms.StartAsync("--Ingest:RtmpAddress", "127.0.0.1");
        var folderB = Path.Combine(Path.GetTempPath(), "ems-interop-b-" + Guid.NewGuid().ToString("N"));
        var portB = FreePort.Get();
        var rtspB = FreePort.Get();
        var b = EmsProcess.Start("ems-b", folderB, portB, rtspB);
        try
        {
            await b.WaitForLineAsync(" started; data folder", StartTimeout);
            var portA = a.Services.GetRequiredService<RtmpServer>().LocalEndPoint!.Port;
            using var publisher = FfmpegProcess.Start(FfmpegProcess.TestSourceArguments(120, $"rtmp://127.0.0.1:{portA}/live/cam"));
            var source = await a.Services.GetRequiredService<StreamHub>().WaitForStreamAsync("cam", TimeSpan.FromSeconds(30));
            Assert.True(source is not null, "no stream on A; ffmpeg said: " + publisher.Stderr);

            // Over RTSP the target's path is a prefix of the stream name; none here, so B's stream is "pushed" either way.
            var target = scheme == "rtmp" ? $"rtmp://127.0.0.1:{portB}/live" : $"rtsp://127.0.0.1:{rtspB}";
            var published = scheme == "rtmp" ? "publishes pushed (app live)" : "publishes pushed as stream";
            var readBack = scheme == "rtmp" ? $"rtmp://127.0.0.1:{portB}/live/pushed" : $"rtsp://127.0.0.1:{rtspB}/pushed";
            var reply = await RunAsync(a, $"pushStream uri={target} localStreamName=cam targetStreamName=pushed keepAlive=1 forceTcp={(forceTcp ? 1 : 0)}");
            Assert.True(reply.Success, reply.Description);
            Assert.Equal($"Local stream cam enqueued for pushing to {target} as pushed", reply.Description);
            var data = reply.Data!.AsObject();
            Assert.Equal(2, data["operationType"]!.GetValue<int>());
            Assert.Equal("live", data["targetStreamType"]!.GetValue<string>());
            Assert.Equal(scheme == "rtmp" ? portB : rtspB, data["targetUri"]!["port"]!.GetValue<int>());
            var configId = data["configId"]!.GetValue<long>();

            await b.WaitForLineAsync(published, TimeSpan.FromSeconds(30));
            await ProbeAsync(readBack);

            // On A the push is an ONR (RTMP) or ONP (RTP) output of configuration type 2 while it runs, and its config says
            // it is streaming.
            var output = Assert.Single(a.Services.GetRequiredService<OutboundStreamRegistry>().GetStreams(), o => o.ConnectionType == OperationType.Push);
            Assert.Equal(scheme == "rtmp" ? OutboundStream.RtmpTag : OutboundStream.RtpTag, output.TypeTag);
            var config = await RunAsync(a, $"getConfigInfo id={configId}");
            Assert.Equal(0, config.Data!["status"]!["current"]!["code"]!.GetValue<int>());

            // B is killed and started again on the same port: the push reconnects by itself (keepAlive).
            b.Dispose();
            b = EmsProcess.Start("ems-b2", folderB, portB, rtspB);
            await b.WaitForLineAsync(published, TimeSpan.FromSeconds(60));
            await ProbeAsync(readBack);

            // removeConfig stops it: B sees the publisher go, A lists no push.
            Assert.True((await RunAsync(a, $"removeConfig id={configId}")).Success);
            Assert.Empty(a.Services.GetRequiredService<OutboundStreamRegistry>().GetStreams());
            Assert.Empty((await RunAsync(a, "listConfig")).Data!["push"]!.AsArray());
            Assert.False(publisher.HasExited, "the publisher stopped: " + publisher.Stderr);
        }
        finally
        {
            b.Dispose();
            await a.DisposeAsync();
            Directory.Delete(folderA, recursive: true);
            Directory.Delete(folderB, recursive: true);
        }
    }

    // A target we did not write: ffmpeg as an RTSP server (-rtsp_flags listen: it takes ANNOUNCE, SETUP and RECORD) writes
    // 3 s of what A pushes to a file, over UDP and over TCP; ffprobe reads both tracks back from it.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Ffmpeg_as_an_rtsp_server_records_what_a_pushes_to_it(bool forceTcp)
    {
        var (a, folderA) = await InteropEms.StartAsync("--Ingest:RtmpAddress", "127.0.0.1");
        var file = Path.Combine(folderA, "received.mkv");
        try
        {
            var portA = a.Services.GetRequiredService<RtmpServer>().LocalEndPoint!.Port;
            using var publisher = FfmpegProcess.Start(FfmpegProcess.TestSourceArguments(120, $"rtmp://127.0.0.1:{portA}/live/cam"));
            Assert.True(await a.Services.GetRequiredService<StreamHub>().WaitForStreamAsync("cam", TimeSpan.FromSeconds(30)) is not null,
                "no stream on A; ffmpeg said: " + publisher.Stderr);
            var port = FreePort.Get();
            using var server = FfmpegProcess.Start("-hide_banner", "-nostdin", "-loglevel", "error", "-rtsp_flags", "listen", "-timeout", "30",
                "-i", $"rtsp://127.0.0.1:{port}/live/pushed", "-t", "3", "-c", "copy", "-y", file);
            var reply = await RunAsync(a, $"pushStream uri=rtsp://127.0.0.1:{port}/live localStreamName=cam targetStreamName=pushed forceTcp={(forceTcp ? 1 : 0)}");
            Assert.True(reply.Success, reply.Description);
            Assert.True(await server.WaitForExitAsync(TimeSpan.FromSeconds(60)), "ffmpeg (the RTSP server) did not finish: " + server.Stderr);
            Assert.True(server.ExitCode == 0, "ffmpeg (the RTSP server) failed: " + server.Stderr);
            await ProbeAsync(file);
            Assert.True((await RunAsync(a, $"removeConfig id={reply.Data!["configId"]!.GetValue<long>()}")).Success);
        }
        finally
        {
            await a.DisposeAsync();
            Directory.Delete(folderA, recursive: true);
        }
    }

    private static ValueTask<ApiReply> RunAsync(EmsHost host, string line) =>
        host.Services.GetRequiredService<CommandRegistry>().ExecuteLineAsync(line, new CommandSession(ApiTransport.Http), CancellationToken.None);

    // ffprobe reads 2 s from B (RTMP, or RTSP over TCP) and decodes both tracks.
    private static async Task ProbeAsync(string url)
    {
        Assert.True(File.Exists("/usr/bin/ffprobe"), "ffprobe is required at /usr/bin/ffprobe (scripts/setup installs ffmpeg)");
        var info = new ProcessStartInfo("/usr/bin/ffprobe") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        string[] transport = url.StartsWith("rtsp:", StringComparison.Ordinal) ? ["-rtsp_transport", "tcp"] : [];
        foreach (var argument in (string[])["-v", "error", .. transport, "-count_frames", "-read_intervals", "%+2",
                     "-show_entries", "stream=codec_type,codec_name,nb_read_frames", "-of", "json", url])
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info)!;
        try
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(cts.Token);
            Assert.True(process.ExitCode == 0, "ffprobe failed: " + await stderr);
            var streams = JsonNode.Parse(await stdout)!["streams"]!.AsArray();
            foreach (var (type, codec) in (ReadOnlySpan<(string, string)>)[("video", "h264"), ("audio", "aac")])
            {
                var stream = Assert.Single(streams, s => s!["codec_type"]!.GetValue<string>() == type)!;
                Assert.Equal(codec, stream["codec_name"]!.GetValue<string>());
                Assert.True(int.Parse(stream["nb_read_frames"]!.GetValue<string>(), CultureInfo.InvariantCulture) > 0, "no frames: " + stream.ToJsonString());
            }
        }
        finally
        {
            process.KillAndDispose();
        }
    }
}
