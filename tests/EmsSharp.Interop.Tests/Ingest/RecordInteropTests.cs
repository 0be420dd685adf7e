using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;
using EmsSharp.Media.Hub;
using EmsSharp.Server;
using EmsSharp.Server.Api;
using EmsSharp.Server.Ingest;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace EmsSharp.Interop.Tests.Ingest;

/// <summary>
/// record with real peers: ffmpeg publishes H.264+AAC over RTMP, the ems records it into mp4 (fragmented) and flv files, and
/// ffprobe reads them whole with the publication's duration; a recording whose ems is killed (SIGKILL) mid-write leaves an
/// mp4 ffprobe reads up to its last fragment.
/// </summary>
public sealed class RecordInteropTests(ITestOutputHelper output)
{
    private const double PublishedSeconds = 6;

    [Fact]
    public async Task Mp4_flv_and_chunked_recordings_of_an_rtmp_publication_are_read_whole_by_ffprobe()
    {
        var (host, folder) = await InteropEms.StartAsync("--Ingest:RtmpAddress", "127.0.0.1");
        await using var _ = host;
        var media = Path.Combine(folder, "media");
        try
        {
            // Waiting recordings (keepAlive) take the publication from its first frame; removeConfig stops them cleanly.
            var ids = new List<long>();
            foreach (var line in (string[])[
                $"record localStreamName=cam pathToFile={media}/cam.mp4",
                $"record localStreamName=cam pathToFile={media}/cam.flv",
                $"record localStreamName=cam pathToFile={media}/chunk.mp4 chunkLength=2"])
            {
                var reply = await RunAsync(host, line);
                Assert.True(reply.Success, reply.Description);
                ids.Add(reply.Data!["configId"]!.GetValue<long>());
            }

            var url = $"rtmp://127.0.0.1:{host.Services.GetRequiredService<RtmpServer>().LocalEndPoint!.Port}/live/cam";
            using (var publisher = FfmpegProcess.Start(FfmpegProcess.TestSourceArguments((int)PublishedSeconds, url)))
            {
                var stream = await host.Services.GetRequiredService<StreamHub>().WaitForStreamAsync("cam", TimeSpan.FromSeconds(30));
                Assert.True(stream is not null, "no stream; ffmpeg said: " + publisher.Stderr);
                Assert.True(await publisher.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the publisher did not finish");
                Assert.True(publisher.ExitCode == 0, "the publisher failed: " + publisher.Stderr);
                await stream.Completion.WaitAsync(TimeSpan.FromSeconds(30));
            }

            foreach (var id in ids)
            {
                Assert.True((await RunAsync(host, $"removeConfig id={id}")).Success);
            }

            foreach (var file in (string[])["cam.mp4", "cam.flv"])
            {
                var (duration, codecs) = await ProbeAsync(Path.Combine(media, file));
                output.WriteLine($"{file}: {duration:0.000} s, {string.Join(",", codecs)}");
                Assert.Equal(["aac", "h264"], codecs.Order());
                Assert.InRange(duration, PublishedSeconds - 1, PublishedSeconds + 1);
            }

            // 2 s chunks cut at the 1 s keyframes: three files, together the publication.
            var chunks = Directory.GetFiles(media, "chunk_*.mp4").Order(StringComparer.Ordinal).ToList();
            Assert.Equal(["chunk_1.mp4", "chunk_2.mp4", "chunk_3.mp4"], chunks.Select(Path.GetFileName));
            var total = 0.0;
            foreach (var chunk in chunks)
            {
                var (duration, codecs) = await ProbeAsync(chunk);
                output.WriteLine($"{Path.GetFileName(chunk)}: {duration:0.000} s");
                Assert.Equal(["aac", "h264"], codecs.Order());
                Assert.InRange(duration, 1.5, 2.5);
                total += duration;
            }

            Assert.InRange(total, PublishedSeconds - 1, PublishedSeconds + 1);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task An_ems_killed_mid_recording_leaves_an_mp4_ffprobe_reads_up_to_its_last_fragment()
    {
        var folder = Path.Combine(Path.GetTempPath(), "ems-interop-kill-" + Guid.NewGuid().ToString("N"));
        var (rtmpPort, httpPort) = (FreePort.Get(), FreePort.Get());
        var ems = StartEmsProcess(folder, rtmpPort, httpPort);
        try
        {
            await ems.WaitForLineAsync(" started; data folder", TimeSpan.FromSeconds(60));
            using var publisher = FfmpegProcess.Start(FfmpegProcess.TestSourceArguments(120, $"rtmp://127.0.0.1:{rtmpPort}/live/cam"));
            await ems.WaitForLineAsync("publishes cam", TimeSpan.FromSeconds(30));
            var file = Path.Combine(folder, "media", "killed.mp4");
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}/") };
            var parameters = Convert.ToBase64String(Encoding.UTF8.GetBytes($"localStreamName=cam pathToFile={file} waitForIDR=1"));
            var reply = JsonNode.Parse(await http.GetStringAsync("record?params=" + parameters))!;
            Assert.True(reply["status"]!.GetValue<string>() == "SUCCESS", reply.ToJsonString());
            await ems.WaitForLineAsync("killed.mp4 opened", TimeSpan.FromSeconds(30));

            // Let the recording grow past 3 s (as ffprobe reads it while it is written), then SIGKILL the ems mid-write.
            var before = 0.0;
            using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
            {
                while (before < 3)
                {
                    await Task.Delay(250, timeout.Token);
                    before = (await ProbeAsync(file, allowPartial: true)).Duration;
                }
            }

            ems.Dispose(); // Process.Kill: SIGKILL, the recording gets no chance to finish its file
            var (duration, codecs) = await ProbeAsync(file);
            output.WriteLine($"read {before:0.000} s while recording; {duration:0.000} s after SIGKILL ({new FileInfo(file).Length} bytes)");
            Assert.Equal(["aac", "h264"], codecs.Order());
            Assert.InRange(duration, before, before + 3); // every fragment written before the kill, at most the one being built lost
        }
        finally
        {
            ems.Dispose();
            Directory.Delete(folder, recursive: true);
        }
    }

    private static ValueTask<ApiReply> RunAsync(EmsHost host, string line) =>
        host.Services.GetRequiredService<CommandRegistry>().ExecuteLineAsync(line, new CommandSession(ApiTransport.Http), CancellationToken.None);

    // The built ems as its own process (so it can be killed), with fixed RTMP and HTTP API ports and the rest picked by the system.
    private static LoggedProcess StartEmsProcess(string folder, int rtmpPort, int httpPort)
    {
        var root = Playback.PlaybackRig.FindRepositoryRoot();
        var configuration = typeof(RecordInteropTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        var emsDll = Path.Combine(root, "src", "EmsSharp.Server", "bin", configuration, "net10.0", "ems.dll");
        Assert.True(File.Exists(emsDll), $"build the solution with -c {configuration} first: {emsDll}");
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet");
        foreach (var argument in (string[])
                 [
                     emsDll, "--DataFolder", Path.Combine(folder, "data"), "--Record:MediaFolder", Path.Combine(folder, "media"),
                     "--Ingest:RtmpAddress", "127.0.0.1", "--Ingest:RtmpPort", rtmpPort.ToString(CultureInfo.InvariantCulture),
                     "--Ingest:RtspPort", "0", "--Ingest:RtspAddress", "127.0.0.1", "--Api:AsciiCli:Port", "0", "--Api:JsonCli:Port", "0",
                     "--Api:Http:Port", httpPort.ToString(CultureInfo.InvariantCulture), "--WsFmp4:Port", "0", "--Whep:Port", "0",
                     "--WebRtc:UdpPort", "0", "--WebRtc:TcpPort", "0",
                 ])
        {
            info.ArgumentList.Add(argument);
        }

        return LoggedProcess.Start("ems-record", info);
    }

    // ffprobe's duration of the file (the container's) and its streams' codecs; a file still being written may fail (0 s).
    private static async Task<(double Duration, List<string> Codecs)> ProbeAsync(string file, bool allowPartial = false)
    {
        Assert.True(File.Exists("/usr/bin/ffprobe"), "ffprobe is required at /usr/bin/ffprobe (scripts/setup installs ffmpeg)");
        var info = new ProcessStartInfo("/usr/bin/ffprobe") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in (string[])["-v", "error", "-show_entries", "format=duration:stream=codec_name", "-of", "json", file])
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
            var json = JsonNode.Parse(await stdout);
            var text = json?["format"]?["duration"]?.GetValue<string>();
            if (allowPartial && (process.ExitCode != 0 || text is null))
            {
                return (0, []);
            }

            Assert.True(process.ExitCode == 0, $"ffprobe failed on {file}: {await stderr}");
            Assert.True(string.IsNullOrWhiteSpace(await stderr), $"ffprobe complained about {file}: {await stderr}");
            var codecs = json!["streams"]!.AsArray().Select(s => s!["codec_name"]!.GetValue<string>()).ToList();
            return (double.Parse(text!, CultureInfo.InvariantCulture), codecs);
        }
        finally
        {
            process.KillAndDispose();
        }
    }
}
