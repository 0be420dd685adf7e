using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using EmsSharp.Media.Hub;
using EmsSharp.Server.Delivery;
using EmsSharp.Server.Events;
using EmsSharp.Server.Ingest;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EmsSharp.Interop.Tests.Ingest;

/// <summary>
/// RTSP playback against ffprobe: ffmpeg publishes H.264 + AAC over RTMP, ffprobe reads it back over RTSP with
/// RTP/AVP/TCP interleaved and with RTP/AVP over UDP, and a wrong read key is refused.
/// </summary>
public class RtspPlayInteropTests
{
    [Theory]
    [InlineData("tcp")]
    [InlineData("udp")]
    public async Task Ffprobe_plays_an_rtmp_published_stream_over_rtsp_with_video_and_audio(string transport)
    {
        var hub = new StreamHub();
        var ingest = new IngestOptions { RtmpPort = 0, RtmpAddress = "127.0.0.1", RtspPort = 0, RtspAddress = "127.0.0.1" };
        ingest.RtspReadKeys["*"] = "s3cret";
        var options = Options.Create(ingest);
        var events = new EventRecorder();
        var outputs = new OutboundStreamRegistry(hub, events, TimeProvider.System);
        var publishers = new PublishAuthorizer(options, hub, TimeProvider.System);
        using var rtmp = new RtmpServer(options, publishers, TimeProvider.System, NullLogger<RtmpServer>.Instance);
        var log = new LinesLogger<RtspServer>();
        using var rtsp = new RtspServer(options, publishers, TimeProvider.System, log, hub: hub, outputs: outputs);
        await rtmp.StartAsync(CancellationToken.None);
        await rtsp.StartAsync(CancellationToken.None);
        using var ffmpeg = FfmpegProcess.Start(FfmpegProcess.TestSourceArguments(60, $"rtmp://127.0.0.1:{rtmp.LocalEndPoint!.Port}/live/cam"));
        try
        {
            var stream = await hub.WaitForStreamAsync("cam", TimeSpan.FromSeconds(30));
            Assert.True(stream is not null, "no stream; ffmpeg said: " + ffmpeg.Stderr);
            var url = $"rtsp://127.0.0.1:{rtsp.LocalEndPoint!.Port}/cam";

            var (exit, json, stderr) = await FfprobeAsync(transport, url + "?key=s3cret");
            Assert.True(exit == 0, $"ffprobe failed ({exit}): {stderr}");
            var streams = JsonNode.Parse(json)!["streams"]!.AsArray();
            var video = streams.Single(s => (string?)s!["codec_type"] == "video")!;
            var audio = streams.Single(s => (string?)s!["codec_type"] == "audio")!;
            Assert.Equal("h264", (string?)video["codec_name"]);
            Assert.Equal(320, (int)video["width"]!);
            Assert.Equal("aac", (string?)audio["codec_name"]);
            Assert.Equal("48000", (string?)audio["sample_rate"]);
            Assert.True(int.Parse((string)video["nb_read_frames"]!) > 0, "no video frames: " + json);
            Assert.True(int.Parse((string)audio["nb_read_frames"]!) > 0, "no audio frames: " + json);

            // The player was an outbound stream (ONP) while it played, with outStreamCreated and outStreamClosed.
            var created = await events.WaitForAsync(EventTypes.OutStreamCreated, TimeSpan.FromSeconds(10));
            Assert.Equal("ONP", (string?)created?["type"]);
            Assert.True(await events.WaitForAsync(EventTypes.OutStreamClosed, TimeSpan.FromSeconds(10)) is not null, string.Join('\n', log.Lines));
            Assert.Equal(0, outputs.Count);

            // A wrong key: 403, nothing played.
            var (refusedExit, _, refusedError) = await FfprobeAsync(transport, url + "?key=wrong");
            Assert.NotEqual(0, refusedExit);
            Assert.Contains("403", refusedError, StringComparison.Ordinal);
        }
        finally
        {
            ffmpeg.Dispose();
            await rtsp.StopAsync(CancellationToken.None);
            await rtmp.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task The_ems_plays_over_rtsp_out_of_the_box_and_counts_the_player_as_an_onp_output()
    {
        var (host, folder) = await InteropEms.StartAsync();
        await using var _ = host;
        var rtmpPort = host.Services.GetRequiredService<RtmpServer>().LocalEndPoint!.Port;
        var rtspPort = host.Services.GetRequiredService<RtspServer>().LocalEndPoint!.Port;
        using var ffmpeg = FfmpegProcess.Start(FfmpegProcess.TestSourceArguments(60, $"rtmp://127.0.0.1:{rtmpPort}/live/cam"));
        try
        {
            var stream = await host.Services.GetRequiredService<StreamHub>().WaitForStreamAsync("cam", TimeSpan.FromSeconds(30));
            Assert.True(stream is not null, "no stream; ffmpeg said: " + ffmpeg.Stderr);
            var (exit, json, stderr) = await FfprobeAsync("tcp", $"rtsp://127.0.0.1:{rtspPort}/cam");
            Assert.True(exit == 0, $"ffprobe failed ({exit}): {stderr}");
            Assert.Equal(2, JsonNode.Parse(json)!["streams"]!.AsArray().Count);

            // What the player was sent stays in the outputs' totals under EvoStream's tag for RTP out.
            var totals = host.Services.GetRequiredService<OutboundStreamRegistry>().Totals();
            Assert.True(totals.TryGetValue(("cam", "ONP"), out var sent) && sent.Bytes > 0, "no ONP output was counted");
        }
        finally
        {
            ffmpeg.Dispose();
            Directory.Delete(folder, recursive: true);
        }
    }

    // ffprobe counts the frames of 3 s of the live stream (-read_intervals) and prints the streams as JSON.
    private static async Task<(int Exit, string Json, string Stderr)> FfprobeAsync(string transport, string url)
    {
        Assert.True(File.Exists("/usr/bin/ffprobe"), "ffprobe is required at /usr/bin/ffprobe (scripts/setup installs it)");
        var info = new ProcessStartInfo("/usr/bin/ffprobe")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "-hide_banner", "-v", "error", "-rtsp_transport", transport, "-read_intervals", "%+3",
            "-count_frames", "-show_streams", "-of", "json", url,
        })
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.KillAndDispose();
            Assert.Fail("ffprobe did not finish: " + await stderr);
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    private sealed class EventRecorder : IEventPublisher
    {
        private readonly ConcurrentQueue<(string Type, JsonObject Payload)> _events = new();
        private readonly SemaphoreSlim _arrived = new(0);

        public void Publish(string type, JsonObject payload)
        {
            _events.Enqueue((type, payload));
            _arrived.Release();
        }

        public async Task<JsonObject?> WaitForAsync(string type, TimeSpan timeout)
        {
            using var cts = new CancellationTokenSource(timeout);
            while (true)
            {
                foreach (var (t, payload) in _events)
                {
                    if (t == type)
                    {
                        return payload;
                    }
                }

                try
                {
                    await _arrived.WaitAsync(cts.Token);
                }
                catch (OperationCanceledException)
                {
                    return null;
                }
            }
        }
    }
}
