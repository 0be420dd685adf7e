using System.Diagnostics;
using System.Text.Json.Nodes;
using EmsSharp.Media.Hub;
using EmsSharp.Server.Delivery;
using EmsSharp.Server.Ingest;
using Microsoft.Extensions.DependencyInjection;

namespace EmsSharp.Interop.Tests.Ingest;

/// <summary>ffmpeg publishes over RTMP, ffprobe plays it back from the ems over RTMP (RTMP 1.0 §7.2.2.1).</summary>
public class RtmpPlayInteropTests
{
    [Fact]
    public async Task Ffprobe_plays_h264_and_aac_back_over_rtmp_with_its_read_key_and_a_wrong_key_is_refused()
    {
        var (host, folder) = await InteropEms.StartAsync("--Ingest:RtmpAddress", "127.0.0.1", "--Ingest:RtmpReadKeys:cam", "s3cret");
        await using var _ = host;
        try
        {
            var url = $"rtmp://127.0.0.1:{host.Services.GetRequiredService<RtmpServer>().LocalEndPoint!.Port}/live/cam";
            using var publisher = FfmpegProcess.Start(FfmpegProcess.TestSourceArguments(60, url));
            var stream = await host.Services.GetRequiredService<StreamHub>().WaitForStreamAsync("cam", TimeSpan.FromSeconds(30));
            Assert.True(stream is not null, "no stream; ffmpeg said: " + publisher.Stderr);

            var wrong = await FfprobeAsync(TimeSpan.FromSeconds(30), "-v", "error", "-show_entries", "stream=codec_name", "-of", "json", url + "?key=nope");
            Assert.NotEqual(0, wrong.ExitCode);
            Assert.Contains("wrong read key", wrong.Stderr, StringComparison.Ordinal);

            // ffprobe reads 3 s of the stream from the GOP cache's keyframe on, decoding every frame.
            var probe = await FfprobeAsync(TimeSpan.FromSeconds(60), "-v", "error", "-count_frames", "-read_intervals", "%+3",
                "-show_entries", "stream=codec_type,codec_name,width,height,sample_rate,nb_read_frames", "-of", "json", url + "?key=s3cret");
            Assert.True(probe.ExitCode == 0, "ffprobe failed: " + probe.Stderr);
            var streams = JsonNode.Parse(probe.Stdout)!["streams"]!.AsArray();
            var video = Assert.Single(streams, s => s!["codec_type"]!.GetValue<string>() == "video")!;
            var audio = Assert.Single(streams, s => s!["codec_type"]!.GetValue<string>() == "audio")!;
            Assert.Equal(("h264", 320, 240), (video["codec_name"]!.GetValue<string>(), video["width"]!.GetValue<int>(), video["height"]!.GetValue<int>()));
            Assert.Equal(("aac", "48000"), (audio["codec_name"]!.GetValue<string>(), audio["sample_rate"]!.GetValue<string>()));
            Assert.True(int.Parse(video["nb_read_frames"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture) >= 30,
                "too few video frames: " + probe.Stdout);
            Assert.True(int.Parse(audio["nb_read_frames"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture) >= 50,
                "too few audio frames: " + probe.Stdout);

            // The player was an output of the stream (EvoStream's ONR), counted in what the stream's outputs sent.
            var totals = host.Services.GetRequiredService<OutboundStreamRegistry>().Totals();
            Assert.True(totals.TryGetValue(("cam", OutboundStream.RtmpTag), out var sent) && sent.Bytes > 0, "no RTMP output was counted");
            Assert.False(publisher.HasExited, "the publisher stopped: " + publisher.Stderr);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task A_player_waits_for_its_stream_and_stops_when_it_ends_and_an_unknown_stream_is_not_found()
    {
        var (host, folder) = await InteropEms.StartAsync("--Ingest:RtmpAddress", "127.0.0.1", "--Ingest:RtmpPlayWaitTimeout", "00:00:20");
        await using var _ = host;
        try
        {
            var url = $"rtmp://127.0.0.1:{host.Services.GetRequiredService<RtmpServer>().LocalEndPoint!.Port}/live/";

            // The player asks before the stream is published: it waits, gets it from its first keyframe, and ends with it
            // (NetStream.Play.Stop), so ffprobe returns by itself.
            var player = FfprobeAsync(TimeSpan.FromSeconds(60), "-v", "error", "-count_frames",
                "-show_entries", "stream=codec_type,nb_read_frames", "-of", "json", url + "late");
            using (var publisher = FfmpegProcess.Start(FfmpegProcess.TestSourceArguments(4, url + "late")))
            {
                Assert.True(await publisher.WaitForExitAsync(TimeSpan.FromSeconds(30)), "the publisher did not finish");
                Assert.True(publisher.ExitCode == 0, "the publisher failed: " + publisher.Stderr);
            }

            var probe = await player;
            Assert.True(probe.ExitCode == 0, "ffprobe failed: " + probe.Stderr);
            var streams = JsonNode.Parse(probe.Stdout)!["streams"]!.AsArray();
            Assert.Equal(2, streams.Count);
            Assert.All(streams, s => Assert.True(
                int.Parse(s!["nb_read_frames"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture) > 0, probe.Stdout));

            var unknown = await FfprobeAsync(TimeSpan.FromSeconds(60), "-v", "error", "-show_entries", "stream=codec_name", "-of", "json",
                "-rw_timeout", "40000000", url + "nothing");
            Assert.NotEqual(0, unknown.ExitCode);
            Assert.Contains("not found", unknown.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> FfprobeAsync(TimeSpan timeout, params string[] arguments)
    {
        Assert.True(File.Exists("/usr/bin/ffprobe"), "ffprobe is required at /usr/bin/ffprobe (scripts/setup installs ffmpeg)");
        var info = new ProcessStartInfo("/usr/bin/ffprobe") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info)!;
        try
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var cts = new CancellationTokenSource(timeout);
            try
            {
                await process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                process.KillAndDispose();
                Assert.Fail($"ffprobe did not finish within {timeout}: {await stderr}");
            }

            return (process.ExitCode, await stdout, await stderr);
        }
        finally
        {
            process.KillAndDispose();
        }
    }
}
