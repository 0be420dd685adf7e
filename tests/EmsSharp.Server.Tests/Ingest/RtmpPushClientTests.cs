using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using EmsSharp.Media.Hub;
using EmsSharp.Protocols.Rtmp;
using EmsSharp.Server.Delivery;
using EmsSharp.Server.Ingest;
using Microsoft.Extensions.DependencyInjection;

namespace EmsSharp.Server.Tests.Ingest;

/// <summary>A push to a target that accepts the publish and then stops reading (a stalled CDN).</summary>
public sealed class RtmpPushClientTests : IDisposable
{
    private static readonly byte[] AvcC = [1, 0x42, 0xC0, 0x1E, 0xFF, 0xE1, 0, 4, 0x67, 0x42, 0xC0, 0x1E, 1, 0, 2, 0x68, 0xCE];
    private readonly string _folder = TestEms.NewDataFolder();

    public void Dispose() => TestEms.DeleteFolder(_folder);

    [Fact]
    public async Task A_stalled_target_times_out_and_never_holds_up_the_publisher()
    {
        await using var ems = await TestEms.StartAsync(_folder, services: s => s.Configure<IngestOptions>(o =>
        {
            o.RtmpSendTimeout = TimeSpan.FromSeconds(1);
            o.RtmpPlayQueueFrames = 32;
        }));
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var stallTarget = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var target = AcceptOnePublishThenStallAsync(listener, stallTarget.Task);
        try
        {
            var hub = ems.Host.Services.GetRequiredService<StreamHub>();
            Assert.True(hub.TryPublish("cam", out var stream));
            stream.SetVideoTrack(new VideoTrackConfig(MediaCodec.H264, AvcC, 640, 360));
            stream.Publish(Frame(0, key: true, new byte[16]));
            await using var cli = await ems.ConnectJsonAsync();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            var reply = await cli.JsonAsync($"pushStream uri=rtmp://127.0.0.1:{port}/live localStreamName=cam targetStreamName=out");
            Assert.Equal("SUCCESS", reply.Status());
            var name = await target;
            Assert.Equal("out", name);
            await ems.Logs.WaitForAsync("Push " + reply.Data().GetProperty("configId").GetInt64() + ": publishing stream cam");
            var output = Assert.Single(ems.Host.Services.GetRequiredService<OutboundStreamRegistry>().GetStreams());

            // The target reads no more: the push's sends stall and time out; the publisher never waits.
            var failed = ems.Logs.WaitForAsync("(stalled)");
            var big = new byte[128 * 1024];
            var published = 0;
            var slowest = TimeSpan.Zero;
            while (!failed.IsCompleted)
            {
                var started = Stopwatch.GetTimestamp();
                Assert.True(stream.Publish(Frame(++published * 3000L, key: published % 10 == 0, big)));
                slowest = TimeSpan.FromTicks(Math.Max(slowest.Ticks, Stopwatch.GetElapsedTime(started).Ticks));
                await Task.WhenAny(failed, Task.Delay(5)); // pacing the publisher, as a real one is paced
            }

            await failed;

            // Far more than the push's queue (32 frames) went by while it was stuck; the ring let them by (the reader
            // resumes at a keyframe: RtmpPlayerTests) and no Publish call waited on the push.
            Assert.True(published > 64, $"only {published} frames were published during the stall");
            Assert.True(slowest < TimeSpan.FromMilliseconds(200), $"a Publish call took {slowest}");
            Assert.Equal(OutboundStream.RtmpTag, output.TypeTag);
            await ems.Logs.WaitForAsync("Push " + reply.Data().GetProperty("configId").GetInt64() + " to rtmp://127.0.0.1:" + port + "/live failed");
            Assert.False(stream.IsClosed);
        }
        finally
        {
            stallTarget.TrySetResult();
        }
    }

    private static MediaFrame Frame(long dts, bool key, byte[] payload) =>
        new(TrackKind.Video, MediaCodec.H264, dts, dts, key, payload);

    // The target: an RTMP server session that answers the handshake and commands and accepts the publish, then holds the
    // connection open without reading until told to stop. Returns the published name.
    private static async Task<string> AcceptOnePublishThenStallAsync(TcpListener listener, Task stall)
    {
        var client = await listener.AcceptTcpClientAsync();
        client.ReceiveBufferSize = 4096;
        var network = client.GetStream();
        var input = PipeReader.Create(network);
        var session = new RtmpServerSession();
        while (true)
        {
            var result = await input.ReadAsync();
            Assert.True(session.HandleInput(result.Buffer, TimeSpan.Zero, out var consumed), session.Error);
            input.AdvanceTo(consumed, result.Buffer.End);
            string? published = null;
            while (session.TryPollEvent(out var e))
            {
                if (e.Kind == RtmpServerEventKind.PublishRequested)
                {
                    session.AcceptPublish(e.MessageStreamId, e.StreamName!);
                    published = e.StreamName;
                }
            }

            while (session.TryPollTransmit(out var data))
            {
                await network.WriteAsync(data);
            }

            if (published is not null)
            {
                _ = stall.ContinueWith(_ => client.Dispose(), TaskScheduler.Default);
                return published;
            }

            Assert.False(result.IsCompleted, "the push closed before publishing");
        }
    }
}
