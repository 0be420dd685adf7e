using EmsSharp.Media.Hub;
using EmsSharp.Server.Delivery;
using EmsSharp.Server.Delivery.Fmp4;
using EmsSharp.Server.Delivery.WebRtc;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using static EmsSharp.Server.Tests.Delivery.Fmp4.Fmp4TestStream;

namespace EmsSharp.Server.Tests.Delivery.WebRtc;

/// <summary>
/// One fmp4 viewer on real loopback UDP ports, pumped by its session's worker: a viewer whose network stops backs up
/// its stream channel, the sender stops reading, and once the channel drains it resumes at the next keyframe,
/// counting what it skipped.
/// </summary>
public sealed class Fmp4DataChannelSenderTests
{
    private const int FrameBytes = 64 * 1024;

    [Fact]
    public async Task A_backed_up_viewer_stops_reading_then_resumes_at_a_keyframe_once_drained()
    {
        await using var peers = LoopbackPeerPair.Create();
        var hub = new StreamHub();
        Assert.True(hub.TryPublish("s", out var stream));
        SetTracks(stream);
        var frame = 0;
        PublishFrames(stream, ref frame, 3); // a keyframe and two more for the GOP cache (a fragment ends at the next frame)

        using var sources = new Fmp4SourceManager(hub, Options.Create(new Fmp4SourceOptions()), new DeliveryStats(TimeProvider.System),
            NullLogger<Fmp4StreamSource>.Instance);
        var sender = new Fmp4DataChannelSender(sources, new StreamAliases(TimeProvider.System, NullLogger<StreamAliases>.Instance), "viewer", TimeSpan.FromSeconds(10), TimeProvider.System, NullLogger.Instance);
        var received = 0L;
        var arrived = new ChangeSignal();
        peers.Viewer.DataChannelOpenedByPeer += (_, channel) =>
        {
            if (channel.Label == Fmp4DataChannelSender.CommandChannelLabel)
                Assert.True(channel.SendText("""{"type":"fmp4Request","payload":{"name":"s"}}"""));
            channel.MessageReceived += (_, message) =>
            {
                Interlocked.Add(ref received, message.Data.Length);
                arrived.Notify();
            };
        };
        sender.Start(peers.Server, await peers.ConnectAsync(sender.OfferOptions));
        await using (sender)
        {
            // The answer and the GOP cache arrive.
            await arrived.WaitUntilAsync(() => Interlocked.Read(ref received) > FrameBytes, "the first keyframe did not arrive");

            // The viewer's network goes dark: nothing it is sent is acknowledged, so the stream channel backs up past
            // its high-water mark (1 MiB) and the sender stops reading: the frames published meanwhile are skipped.
            // The network comes back only once the sender has stopped (its worker may run later than this thread).
            var paused = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            sender.Paused = () => paused.TrySetResult();
            peers.ViewerPort.BeforeDispatch = _ => throw new IOException("the viewer's network is down");
            PublishFrames(stream, ref frame, 40);
            await paused.Task.WaitAsync(TimeSpan.FromSeconds(30));

            // Back: the channel drains (SCTP retransmits), the sender resumes at the next keyframe.
            peers.ViewerPort.BeforeDispatch = null;
            var before = Interlocked.Read(ref received);
            PublishFrames(stream, ref frame, 5, keyframeFirst: true);
            await arrived.WaitUntilAsync(() => sender.Counters.DroppedFrames > 0 && Interlocked.Read(ref received) > before + (4 * FrameBytes),
                "the sender did not resume at a keyframe after draining");
        }
    }

    [Fact]
    public async Task A_stream_not_yet_published_is_announced_as_waited_for_then_answered_when_it_appears()
    {
        var (messages, _) = await RequestAsync(publishBefore: false, publishAfterWaiting: true);
        Assert.Equal(2, messages.Count);
        Assert.Contains("\"type\":\"fmp4Waiting\"", messages[0], StringComparison.Ordinal);
        Assert.Contains("\"waitMs\":10000", messages[0], StringComparison.Ordinal);
        Assert.Contains("\"status\":\"SUCCESS\"", messages[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_live_stream_is_answered_at_once_without_a_wait()
    {
        var (messages, _) = await RequestAsync(publishBefore: true, publishAfterWaiting: false);
        Assert.Contains("\"status\":\"SUCCESS\"", Assert.Single(messages), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stream_nobody_publishes_is_announced_as_waited_for_then_not_found_after_the_wait()
    {
        var (messages, time) = await RequestAsync(publishBefore: false, publishAfterWaiting: false);
        Assert.Equal(2, messages.Count);
        Assert.Contains("\"type\":\"fmp4Waiting\"", messages[0], StringComparison.Ordinal);
        Assert.Contains("\"status\":\"FAIL\"", messages[1], StringComparison.Ordinal);
        Assert.Contains("was not found on the server", messages[1], StringComparison.Ordinal);
        Assert.True(time.GetUtcNow() - time.Start >= TimeSpan.FromSeconds(10), "the FAIL came before the wait ended");
    }

    [Fact]
    public async Task The_wait_counts_from_the_join_not_from_the_request()
    {
        // The request came 4 s after the join: 6 s of the 10 are left, and the FAIL comes 10 s after the join, as for an
        // srtp viewer (whose wait starts at the join), not 10 s after the request.
        var (messages, time) = await RequestAsync(publishBefore: false, publishAfterWaiting: false, setUp: TimeSpan.FromSeconds(4));
        Assert.Contains("\"waitMs\":6000", messages[0], StringComparison.Ordinal);
        Assert.Contains("was not found on the server", messages[1], StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(10), time.GetUtcNow() - time.Start);
    }

    // A viewer asks for stream "s" (published before its request, after the ems says it waits, or never, the wait then
    // run out on fake time); returns the command channel's messages up to the ems's answer.
    private static async Task<(List<string> Messages, FakeTimeProvider Time)> RequestAsync(bool publishBefore, bool publishAfterWaiting,
        TimeSpan setUp = default)
    {
        await using var peers = LoopbackPeerPair.Create();
        var time = new FakeTimeProvider();
        var hub = new StreamHub(time);
        LiveStream? stream = null;
        void Publish()
        {
            Assert.True(hub.TryPublish("s", out stream));
            SetTracks(stream);
            var frame = 0;
            PublishFrames(stream, ref frame, 3);
        }

        if (publishBefore)
            Publish();
        using var sources = new Fmp4SourceManager(hub, Options.Create(new Fmp4SourceOptions()), new DeliveryStats(TimeProvider.System),
            NullLogger<Fmp4StreamSource>.Instance);
        var sender = new Fmp4DataChannelSender(sources, new StreamAliases(TimeProvider.System, NullLogger<StreamAliases>.Instance), "viewer", TimeSpan.FromSeconds(10), time, NullLogger.Instance);
        time.Advance(setUp); // from the join to the request: ICE, DTLS and SCTP, seconds on a loaded server
        var messages = new List<string>();
        var arrived = new ChangeSignal();
        peers.Viewer.DataChannelOpenedByPeer += (_, channel) =>
        {
            if (channel.Label != Fmp4DataChannelSender.CommandChannelLabel)
                return;
            channel.MessageReceived += (_, message) =>
            {
                lock (messages)
                    messages.Add(message.Text);
                arrived.Notify();
            };
            Assert.True(channel.SendText("""{"type":"fmp4Request","payload":{"name":"s"}}"""));
        };
        bool Answered()
        {
            lock (messages)
                return messages.Exists(static m => m.Contains("fmp4Response", StringComparison.Ordinal));
        }

        bool Waiting()
        {
            lock (messages)
                return messages.Count > 0;
        }

        sender.Start(peers.Server, await peers.ConnectAsync(sender.OfferOptions));
        await using (sender)
        {
            if (!publishBefore)
            {
                await arrived.WaitUntilAsync(Waiting, "no message came while the stream was missing");
                if (publishAfterWaiting)
                    Publish();
                else
                    time.Advance(TimeSpan.FromSeconds(10) - setUp);
            }

            await arrived.WaitUntilAsync(Answered, "no fmp4Response came");
        }

        lock (messages)
            return ([.. messages], time);
    }

    // Frames of 64 KiB, a keyframe every 30 (and the first when asked): 1 MiB is 16 of them.
    private static void PublishFrames(LiveStream stream, ref int frame, int count, bool keyframeFirst = false)
    {
        for (var i = 0; i < count; i++, frame++)
        {
            var key = frame % 30 == 0 || (keyframeFirst && i == 0);
            var sample = new byte[4 + FrameBytes];
            sample[1] = FrameBytes >> 16;
            sample[2] = (FrameBytes >> 8) & 0xFF;
            sample[3] = FrameBytes & 0xFF;
            sample[4] = key ? (byte)0x65 : (byte)0x41;
            Assert.True(stream.Publish(new MediaFrame(TrackKind.Video, MediaCodec.H264, frame * 3000L, frame * 3000L, key, sample)));
        }
    }
}
