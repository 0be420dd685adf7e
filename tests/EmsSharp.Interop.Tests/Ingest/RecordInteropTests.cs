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
/// record with real peers: ffmpeg publishes H.264+AAC over RTMP, the ems records it into mp4 (fragmented), MPEG-TS and flv
/// files, and ffprobe reads them whole with the publication's duration (and, in the ts file, its video frames); chunks
/// each start with a keyframe; a recording whose ems is killed (SIGKILL) mid-write leaves an mp4 ffprobe reads up to its
/// last fragment, and a ts file up to its last frame.
/// </summary>
public sealed class RecordInteropTests(ITestOutputHelper output)
{
    private const double PublishedSeconds = 6;

    [Fact]
    public async Task Mp4_ts_flv_and_chunked_recordings_of_an_rtmp_publication_are_read_whole_by_ffprobe()
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
                $"record localStreamName=cam pathToFile={media}/cam.ts",
                $"record localStreamName=cam pathToFile={media}/chunk.mp4 chunkLength=2",
                $"record localStreamName=cam pathToFile={media}/chunk type=ts chunkLength=2"])
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

            foreach (var file in (string[])["cam.mp4", "cam.flv", "cam.ts"])
            {
                var (duration, codecs) = await ProbeAsync(Path.Combine(media, file));
                output.WriteLine($"{file}: {duration:0.000} s, {string.Join(",", codecs)}");
                Assert.Equal(["aac", "h264"], codecs.Order());
                Assert.InRange(duration, PublishedSeconds - 1, PublishedSeconds + 1);
            }

            // Every video frame published (30 fps) is in the ts file: ffprobe decodes and counts them.
            var frames = await CountVideoFramesAsync(Path.Combine(media, "cam.ts"));
            output.WriteLine($"cam.ts: {frames} video frames");
            Assert.InRange(frames, (PublishedSeconds * 30) - 5, PublishedSeconds * 30);

            // 2 s chunks cut at the 1 s keyframes: three files, together the publication, each starting with a keyframe.
            foreach (var extension in (string[])["mp4", "ts"])
            {
                var chunks = Directory.GetFiles(media, "chunk_*." + extension).Order(StringComparer.Ordinal).ToList();
                Assert.Equal([$"chunk_1.{extension}", $"chunk_2.{extension}", $"chunk_3.{extension}"], chunks.Select(Path.GetFileName));
                var total = 0.0;
                foreach (var chunk in chunks)
                {
                    var (duration, codecs) = await ProbeAsync(chunk);
                    var first = (await FfprobeAsync(true, "-select_streams", "v:0", "-read_intervals", "%+#1", "-show_entries", "frame=key_frame,pict_type", chunk))
                        ["frames"]![0]!;
                    output.WriteLine($"{Path.GetFileName(chunk)}: {duration:0.000} s, first frame {first.ToJsonString()}");
                    Assert.Equal(["aac", "h264"], codecs.Order());
                    Assert.Equal((1, "I"), (first["key_frame"]!.GetValue<int>(), first["pict_type"]!.GetValue<string>()));
                    Assert.InRange(duration, 1.5, 2.5);
                    total += duration;
                }

                Assert.InRange(total, PublishedSeconds - 1, PublishedSeconds + 1);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData("mp4")]
    [InlineData("ts")]
    public async Task An_ems_killed_mid_recording_leaves_a_file_ffprobe_reads_up_to_its_last_flush(string type)
    {
        var folder = Path.Combine(Path.GetTempPath(), "ems-interop-kill-" + Guid.NewGuid().ToString("N"));
        var (rtmpPort, httpPort) = (FreePort.Get(), FreePort.Get());
        var ems = StartEmsProcess(folder, rtmpPort, httpPort);
        try
        {
            await ems.WaitForLineAsync(" started; data folder", TimeSpan.FromSeconds(60));
            // ffmpeg reports how much it has sent (-progress: out_time=HH:MM:SS.micro twice a second) on its stdout.
            using var publisher = StartPublisher($"rtmp://127.0.0.1:{rtmpPort}/live/cam");
            await ems.WaitForLineAsync("publishes cam", TimeSpan.FromSeconds(30));
            var file = Path.Combine(folder, "media", "killed." + type);
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}/") };
            var parameters = Convert.ToBase64String(Encoding.UTF8.GetBytes($"localStreamName=cam pathToFile={file} waitForIDR=1"));
            var reply = JsonNode.Parse(await http.GetStringAsync("record?params=" + parameters))!;
            Assert.True(reply["status"]!.GetValue<string>() == "SUCCESS", reply.ToJsonString());
            await ems.WaitForLineAsync($"killed.{type} opened", TimeSpan.FromSeconds(30));

            // Once ffmpeg has sent 8 s (the recording, from a keyframe after the command, holds 5 s or more), ffprobe reads
            // the file being written (the end of an mp4 fragment may be on its way: ffprobe may say so), then the ems is
            // killed mid-write. The recording cannot hold more than ffmpeg had sent by the end of that read: the out_time
            // of the line (8.0-8.5 s, printed twice a second) plus the read's own time, as -re sends in real time. It may
            // hold nearly all of it: the command can arrive before the publication's first frame, so its next keyframe
            // (waitForIDR) is the one at 0 (CI once read 8.033 s here against a fixed bound of 8).
            var sent = await publisher.WaitForLineAsync("out_time=00:00:08", TimeSpan.FromSeconds(60));
            var sinceSent = Stopwatch.StartNew();
            var before = (await ProbeAsync(file, whole: false)).Duration;
            var sentBy = TimeSpan.Parse(sent.Trim()["out_time=".Length..], CultureInfo.InvariantCulture).TotalSeconds + sinceSent.Elapsed.TotalSeconds;
            ems.Dispose(); // Process.Kill: SIGKILL, the recording gets no chance to finish its file
            var (duration, codecs) = await ProbeAsync(file);
            var length = new FileInfo(file).Length;
            output.WriteLine($"read {before:0.000} s while recording ({sent.Trim()}, {sentBy:0.000} s sent by the read's end); {duration:0.000} s after SIGKILL ({length} bytes)");
            Assert.Equal(["aac", "h264"], codecs.Order());
            Assert.InRange(before, 3, sentBy + 0.1); // + a frame or two: ffprobe counts the last frames' own duration
            // mp4: every fragment written before the kill, at most the one being built lost; ts: every frame, whole packets.
            Assert.InRange(duration, before, before + 3);
            if (type == "ts")
            {
                Assert.Equal(0, length % 188);
            }
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

    // ffmpeg publishing the test source for up to 120 s, its progress on stdout.
    private static LoggedProcess StartPublisher(string url)
    {
        Assert.True(File.Exists("/usr/bin/ffmpeg"), "ffmpeg is required at /usr/bin/ffmpeg (scripts/setup installs it)");
        var info = new ProcessStartInfo("/usr/bin/ffmpeg");
        foreach (var argument in FfmpegProcess.TestSourceArguments(120, url, "-progress", "pipe:1"))
        {
            info.ArgumentList.Add(argument);
        }

        return LoggedProcess.Start("ffmpeg", info);
    }

    // ffprobe's duration of the file (the container's) and its streams' codecs.
    private static async Task<(double Duration, List<string> Codecs)> ProbeAsync(string file, bool whole = true)
    {
        var json = await FfprobeAsync(whole, "-show_entries", "format=duration:stream=codec_name", file);
        var codecs = json["streams"]!.AsArray().Select(s => s!["codec_name"]!.GetValue<string>()).ToList();
        return (double.Parse(json["format"]!["duration"]!.GetValue<string>(), CultureInfo.InvariantCulture), codecs);
    }

    // The video frames ffprobe decodes from the file.
    private static async Task<int> CountVideoFramesAsync(string file)
    {
        var json = await FfprobeAsync(true, "-count_frames", "-select_streams", "v:0", "-show_entries", "stream=nb_read_frames", file);
        return int.Parse(json["streams"]![0]!["nb_read_frames"]!.GetValue<string>(), CultureInfo.InvariantCulture);
    }

    // ffprobe's JSON of the file (the last argument); fails when it exits with an error or, for a whole file, complains.
    private static async Task<JsonNode> FfprobeAsync(bool whole, params string[] arguments)
    {
        Assert.True(File.Exists("/usr/bin/ffprobe"), "ffprobe is required at /usr/bin/ffprobe (scripts/setup installs ffmpeg)");
        var info = new ProcessStartInfo("/usr/bin/ffprobe") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in (string[])["-v", "error", "-of", "json", .. arguments])
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
            var file = arguments[^1];
            Assert.True(process.ExitCode == 0, $"ffprobe failed on {file}: {await stderr}");
            Assert.True(!whole || string.IsNullOrWhiteSpace(await stderr), $"ffprobe complained about {file}: {await stderr}");
            return JsonNode.Parse(await stdout)!;
        }
        finally
        {
            process.KillAndDispose();
        }
    }
}
