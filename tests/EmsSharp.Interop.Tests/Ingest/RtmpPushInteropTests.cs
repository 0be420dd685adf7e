using System.Diagnostics;
using System.Globalization;
using System.Reflection;
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
/// pushStream over RTMP between two ems: ffmpeg publishes H.264+AAC to A, A pushes to B (RTMP 1.0 §7.2.2.6 publish), ffprobe
/// plays it from B (a separate ems process); B is killed and started again on the same port and the keepAlive push comes back.
/// </summary>
public class RtmpPushInteropTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_pushes_to_b_ffprobe_reads_it_from_b_and_the_push_comes_back_after_b_is_killed_and_restarted()
    {
        // A runs in this process (its registry and configuration are inspected); B is a separate ems process, killed and
        // started again on the same RTMP port.
        var (a, folderA) = await InteropEms.StartAsync("--Ingest:RtmpAddress", "127.0.0.1");
        var folderB = Path.Combine(Path.GetTempPath(), "ems-interop-b-" + Guid.NewGuid().ToString("N"));
        var portB = FreePort.Get();
        var b = StartEmsProcess("ems-b", folderB, portB);
        try
        {
            await b.WaitForLineAsync(" started; data folder", StartTimeout);
            var portA = a.Services.GetRequiredService<RtmpServer>().LocalEndPoint!.Port;
            using var publisher = FfmpegProcess.Start(FfmpegProcess.TestSourceArguments(120, $"rtmp://127.0.0.1:{portA}/live/cam"));
            var source = await a.Services.GetRequiredService<StreamHub>().WaitForStreamAsync("cam", TimeSpan.FromSeconds(30));
            Assert.True(source is not null, "no stream on A; ffmpeg said: " + publisher.Stderr);

            var target = $"rtmp://127.0.0.1:{portB}/live";
            var reply = await RunAsync(a, $"pushStream uri={target} localStreamName=cam targetStreamName=pushed keepAlive=1");
            Assert.True(reply.Success, reply.Description);
            Assert.Equal($"Local stream cam enqueued for pushing to {target} as pushed", reply.Description);
            var data = reply.Data!.AsObject();
            Assert.Equal(2, data["operationType"]!.GetValue<int>());
            Assert.Equal("live", data["targetStreamType"]!.GetValue<string>());
            Assert.Equal(portB, data["targetUri"]!["port"]!.GetValue<int>());
            var configId = data["configId"]!.GetValue<long>();

            await b.WaitForLineAsync("publishes pushed (app live)", TimeSpan.FromSeconds(30));
            await ProbeAsync($"rtmp://127.0.0.1:{portB}/live/pushed");

            // On A the push is an ONR output of configuration type 2 while it runs, and its config says it is streaming.
            var output = Assert.Single(a.Services.GetRequiredService<OutboundStreamRegistry>().GetStreams(), o => o.ConnectionType == OperationType.Push);
            Assert.Equal(OutboundStream.RtmpTag, output.TypeTag);
            var config = await RunAsync(a, $"getConfigInfo id={configId}");
            Assert.Equal(0, config.Data!["status"]!["current"]!["code"]!.GetValue<int>());

            // B is killed and started again on the same port: the push reconnects by itself (keepAlive).
            b.Dispose();
            b = StartEmsProcess("ems-b2", folderB, portB);
            await b.WaitForLineAsync("publishes pushed (app live)", TimeSpan.FromSeconds(60));
            await ProbeAsync($"rtmp://127.0.0.1:{portB}/live/pushed");

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

    // The built ems as its own process, every port but RTMP's picked by the system.
    private static LoggedProcess StartEmsProcess(string name, string folder, int rtmpPort)
    {
        var root = Playback.PlaybackRig.FindRepositoryRoot();
        var configuration = typeof(RtmpPushInteropTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        var emsDll = Path.Combine(root, "src", "EmsSharp.Server", "bin", configuration, "net10.0", "ems.dll");
        Assert.True(File.Exists(emsDll), $"build the solution with -c {configuration} first: {emsDll}");
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet");
        foreach (var argument in (string[])
                 [
                     emsDll, "--DataFolder", folder, "--Ingest:RtmpAddress", "127.0.0.1",
                     "--Ingest:RtmpPort", rtmpPort.ToString(CultureInfo.InvariantCulture), "--Ingest:RtspPort", "0",
                     "--Ingest:RtspAddress", "127.0.0.1", "--Api:AsciiCli:Port", "0", "--Api:JsonCli:Port", "0", "--Api:Http:Port", "0",
                     "--WsFmp4:Port", "0", "--Whep:Port", "0", "--WebRtc:UdpPort", "0", "--WebRtc:TcpPort", "0",
                 ])
        {
            info.ArgumentList.Add(argument);
        }

        return LoggedProcess.Start(name, info);
    }

    private static ValueTask<ApiReply> RunAsync(EmsHost host, string line) =>
        host.Services.GetRequiredService<CommandRegistry>().ExecuteLineAsync(line, new CommandSession(ApiTransport.Http), CancellationToken.None);

    // ffprobe reads 2 s from B over RTMP and decodes both tracks.
    private static async Task ProbeAsync(string url)
    {
        Assert.True(File.Exists("/usr/bin/ffprobe"), "ffprobe is required at /usr/bin/ffprobe (scripts/setup installs ffmpeg)");
        var info = new ProcessStartInfo("/usr/bin/ffprobe") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in (string[])["-v", "error", "-count_frames", "-read_intervals", "%+2",
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
