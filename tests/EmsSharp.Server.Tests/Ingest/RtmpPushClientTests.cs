using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using EmsSharp.Media.Hub;
using EmsSharp.Protocols.Rtmp;
using EmsSharp.Server.Delivery;
using EmsSharp.Server.Ingest;
using EmsSharp.Server.Tests.Api;
using Microsoft.Extensions.DependencyInjection;

namespace EmsSharp.Server.Tests.Ingest;

/// <summary>A push to a target that accepts the publish and then stops reading (a stalled CDN).</summary>
public sealed class RtmpPushClientTests : IDisposable
{
    internal static readonly byte[] AvcC = [1, 0x42, 0xC0, 0x1E, 0xFF, 0xE1, 0, 4, 0x67, 0x42, 0xC0, 0x1E, 1, 0, 2, 0x68, 0xCE];
    private readonly string _folder = TestEms.NewDataFolder();

    public void Dispose() => TestEms.DeleteFolder(_folder);

    [Fact]
    public async Task A_stalled_target_times_out_and_never_holds_up_the_publisher()
    {
        var time = new ObservedTimeProvider();
        var sendTimeout = TimeSpan.FromSeconds(1);
        await using var ems = await TestEms.StartAsync(_folder, services: s => s.AddSingleton<TimeProvider>(time).Configure<IngestOptions>(o =>
        {
            o.RtmpSendTimeout = sendTimeout;
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

            // The target reads no more: the push's sends stall and time out (the fake clock moves 100 ms a frame while a
            // send is under way); the publisher never waits (a Publish that waited on the push would hang this loop).
            var failed = ems.Logs.WaitForAsync("(stalled)");
            var big = new byte[128 * 1024];
            var published = 0;
            while (!failed.IsCompleted)
            {
                Assert.True(stream.Publish(Frame(++published * 3000L, key: published % 10 == 0, big)));
                if (time.LastArmedFor(sendTimeout))
                    time.Advance(TimeSpan.FromMilliseconds(100));
                await Task.Yield();
            }

            await failed;

            // More than the push's queue (32 frames) went by while it was stuck; the ring let them by (the reader resumes
            // at a keyframe: RtmpPlayerTests).
            Assert.True(published > 32, $"only {published} frames were published during the stall");
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
