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
/// pushStream over RTMP between two ems: ffmpeg publishes H.264+AAC to A, A pushes to B (RTMP 1.0 §7.2.2.6 publish), ffprobe
/// plays it from B; B restarts on the same port and the keepAlive push comes back.
/// </summary>
public class RtmpPushInteropTests
{
    [Fact]
    public async Task A_pushes_to_b_ffprobe_reads_it_from_b_and_the_push_comes_back_after_b_restarts()
    {
        var (a, folderA) = await InteropEms.StartAsync("--Ingest:RtmpAddress", "127.0.0.1");
        var (b, folderB) = await InteropEms.StartAsync("--Ingest:RtmpAddress", "127.0.0.1");
        string? folderB2 = null;
        try
        {
            var portA = a.Services.GetRequiredService<RtmpServer>().LocalEndPoint!.Port;
            var portB = b.Services.GetRequiredService<RtmpServer>().LocalEndPoint!.Port;
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

            var pushed = await b.Services.GetRequiredService<StreamHub>().WaitForStreamAsync("pushed", TimeSpan.FromSeconds(30));
            Assert.True(pushed is not null, "the push never reached B");
            await ProbeAsync($"rtmp://127.0.0.1:{portB}/live/pushed");

            // On A the push is an ONR output of configuration type 2 while it runs, and its config says it is streaming.
            var output = Assert.Single(a.Services.GetRequiredService<OutboundStreamRegistry>().GetStreams(), o => o.ConnectionType == OperationType.Push);
            Assert.Equal(OutboundStream.RtmpTag, output.TypeTag);
            var config = await RunAsync(a, $"getConfigInfo id={configId}");
            Assert.Equal(0, config.Data!["status"]!["current"]!["code"]!.GetValue<int>());

            // B goes away and comes back on the same port: the push reconnects by itself (keepAlive).
            await b.DisposeAsync();
            Directory.Delete(folderB, recursive: true);
            var (b2, folder2) = await InteropEms.StartAsync("--Ingest:RtmpAddress", "127.0.0.1", "--Ingest:RtmpPort", portB.ToString(CultureInfo.InvariantCulture));
            b = b2;
            folderB2 = folder2;
            var again = await b.Services.GetRequiredService<StreamHub>().WaitForStreamAsync("pushed", TimeSpan.FromSeconds(30));
            Assert.True(again is not null, "the push did not come back to the restarted B");
            await ProbeAsync($"rtmp://127.0.0.1:{portB}/live/pushed");

            // removeConfig stops it: B's stream ends, A lists no push.
            var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            b.Services.GetRequiredService<StreamHub>().StreamClosed += s =>
            {
                if (ReferenceEquals(s, again))
                {
                    closed.TrySetResult();
                }
            };
            if (again.IsClosed)
            {
                closed.TrySetResult();
            }

            Assert.True((await RunAsync(a, $"removeConfig id={configId}")).Success);
            await closed.Task.WaitAsync(TimeSpan.FromSeconds(20));
            Assert.Empty(a.Services.GetRequiredService<OutboundStreamRegistry>().GetStreams());
            Assert.Empty((await RunAsync(a, "listConfig")).Data!["push"]!.AsArray());
            Assert.False(publisher.HasExited, "the publisher stopped: " + publisher.Stderr);
        }
        finally
        {
            await b.DisposeAsync();
            await a.DisposeAsync();
            Directory.Delete(folderA, recursive: true);
            if (folderB2 is not null)
            {
                Directory.Delete(folderB2, recursive: true);
            }
        }
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
