using EmsSharp.Media.Hub;
using EmsSharp.Protocols.Rtp;
using EmsSharp.Server.Delivery;
using EmsSharp.Server.Delivery.Rtp;
using EmsSharp.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using static EmsSharp.Server.Tests.Delivery.Fmp4.Fmp4TestStream;

namespace EmsSharp.Server.Tests.Delivery.Rtp;

public sealed class RtpStreamSourceTests
{
    private readonly StreamHub _hub = new();
    private readonly RtpSourceManager _manager = new(new DeliveryStats(new FakeTimeProvider()), NullLogger<RtpStreamSource>.Instance);

    [Fact]
    public async Task Viewers_share_one_hub_reader_and_the_same_payloads_and_a_late_one_starts_at_the_cached_keyframe()
    {
        Assert.True(_hub.TryPublish("s", out var stream));
        SetOpusTracks(stream);
        PublishVideoAndOpus(stream, 0, 7, gop: 5);
        using var first = _manager.TrySubscribe(stream)!;
        var firstUnits = await ReadAsync(first, 4); // the hub's GOP cache: video 5, opus 5, video 6, opus 6
        Assert.Equal([5, 5, 6, 6], Indices(firstUnits));
        Assert.True(firstUnits[0].IsKeyframe);

        PublishVideoAndOpus(stream, 7, 12, gop: 5);
        firstUnits.AddRange(await ReadAsync(first, 10));
        using var late = _manager.TrySubscribe(stream)!;
        var lateUnits = await ReadAsync(late, 4);

        Assert.Equal([10, 10, 11, 11], Indices(lateUnits)); // from the last keyframe (10), audio included
        Assert.Same(firstUnits[10], lateUnits[0]); // shared by reference, packetized once
        Assert.Same(firstUnits[11], lateUnits[1]);
        Assert.Equal(1, stream.GetStats().Readers);
        Assert.Equal(1, _manager.Count);
        Assert.False(late.TryRead(out _));
    }

    [Fact]
    public async Task A_keyframe_is_packetized_once_with_stap_a_ahead_and_the_marker_on_its_last_payload()
    {
        Assert.True(_hub.TryPublish("s", out var stream));
        SetTracks(stream);
        using var viewer = _manager.TrySubscribe(stream)!;
        Assert.True(stream.Publish(VideoFrame(0, key: true)));
        Assert.Single(await ReadAsync(viewer, 1)); // the source's reader is attached: what follows arrives live
        var big = new byte[4 + 5000];
        big[2] = 5000 >> 8;
        big[3] = 5000 & 0xFF;
        big[4] = 0x65;
        Assert.True(stream.Publish(new MediaFrame(TrackKind.Video, MediaCodec.H264, 0, 90_000, true, big)));

        var unit = Assert.Single(await ReadAsync(viewer, 1));

        Assert.Equal(90_000u, unit.Timestamp);
        Assert.Equal(24, unit.Payloads[0].Bytes.Span[0] & 0x1F); // STAP-A: SPS + PPS
        Assert.Equal(6, unit.Payloads.Count); // STAP-A + 5 FU-A of at most 1,198 bytes
        Assert.All(unit.Payloads, p => Assert.InRange(p.Bytes.Length, 1, H264Packetizer.DefaultMaxPayloadSize));
        Assert.True(unit.Payloads[^1].Marker);
        Assert.Equal(1, unit.Payloads.Count(p => p.Marker));
        Assert.NotEqual(0, unit.ArrivalTimestamp); // arrived live, after the source's reader: measured
    }

    [Fact]
    public async Task Slow_viewer_drops_to_the_next_keyframe_and_counts_and_stream_end_completes_both()
    {
        Assert.True(_hub.TryPublish("s", out var stream));
        SetTracks(stream);
        Assert.True(stream.Publish(VideoFrame(0, key: true)));
        var source = new RtpStreamSource(stream, new RtpSourceOptions(), NullLogger.Instance, null);
        using var fast = source.TrySubscribe(queueUnits: 1_000)!;
        using var slow = source.TrySubscribe(queueUnits: 3)!;
        Assert.Single(await ReadAsync(fast, 1));

        for (var i = 1; i < 20; i++)
            Assert.True(stream.Publish(VideoFrame(i, key: i % 5 == 0)));
        stream.Dispose();
        var fastUnits = await ReadToEndAsync(fast);
        var slowUnits = await ReadToEndAsync(slow);

        Assert.Equal(19, fastUnits.Count);
        Assert.Equal(0, fast.DroppedUnits);
        Assert.True(slow.DroppedUnits > 0);
        Assert.True(slow.KeyframeSkips > 0);
        Assert.True(slowUnits.Count < 20);
        Assert.True(slow.IsCompleted);
        Assert.True(source.IsStopped);
    }

    [Fact]
    public async Task Source_stops_with_its_last_viewer_and_the_manager_starts_a_new_one()
    {
        Assert.True(_hub.TryPublish("s", out var stream));
        SetTracks(stream);
        var viewer = _manager.TrySubscribe(stream)!;
        var source = _manager.Find("s")!;
        viewer.Dispose();
        await source.Completion.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(source.IsStopped);
        Assert.Null(_manager.Find("s"));
        using var again = _manager.TrySubscribe(stream)!;
        Assert.NotSame(source, _manager.Find("s"));
    }

    [Fact]
    public void Fanning_out_a_unit_reading_it_and_recording_its_latency_allocate_nothing()
    {
        Assert.True(_hub.TryPublish("s", out var stream));
        var source = new RtpStreamSource(stream, new RtpSourceOptions(), NullLogger.Instance, null);
        var viewers = new RtpSubscription[10];
        for (var i = 0; i < viewers.Length; i++)
            viewers[i] = source.TrySubscribe()!;
        var histogram = new DeliveryLatencyHistogram();
        var unit = new RtpAccessUnit(TrackKind.Video, MediaCodec.H264, 0, isKeyframe: true,
            System.Diagnostics.Stopwatch.GetTimestamp(), [new RtpPayload(new byte[1000], Marker: true)], 1000);

        void FanOut()
        {
            for (var n = 0; n < 50; n++)
            {
                source.Publish(unit);
                foreach (var viewer in viewers)
                {
                    Assert.True(viewer.TryRead(out var read));
                    histogram.RecordSince(read.ArrivalTimestamp);
                }
            }
        }

        FanOut();
        Assert.Equal(0, Allocations.Least(FanOut));
        foreach (var viewer in viewers)
            viewer.Dispose();
    }

    private static void SetOpusTracks(LiveStream stream)
    {
        SetTracks(stream);
        stream.SetAudioTrack(new AudioTrackConfig(MediaCodec.Opus, ReadOnlyMemory<byte>.Empty, 48_000, 2));
    }

    // Video frame i (30 fps) then an Opus frame whose bytes encode i.
    private static void PublishVideoAndOpus(LiveStream stream, int from, int to, int gop)
    {
        for (var i = from; i < to; i++)
        {
            Assert.True(stream.Publish(VideoFrame(i, key: i % gop == 0)));
            var opus = new byte[20];
            opus.AsSpan().Fill((byte)i);
            Assert.True(stream.Publish(new MediaFrame(TrackKind.Audio, MediaCodec.Opus, i * 1600L, i * 1600L, true, opus)));
        }
    }

    // The byte that encodes the frame index: after the NAL header for video, anywhere in the Opus frame.
    private static List<int> Indices(List<RtpAccessUnit> units) =>
        [.. units.Select(u => (int)u.Payloads[^1].Bytes.Span[^1])];

    private static async Task<List<RtpAccessUnit>> ReadAsync(RtpSubscription subscription, int count)
    {
        var units = new List<RtpAccessUnit>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (units.Count < count && await subscription.WaitToReadAsync(timeout.Token))
        {
            while (units.Count < count && subscription.TryRead(out var unit))
                units.Add(unit);
        }

        return units;
    }

    private static Task<List<RtpAccessUnit>> ReadToEndAsync(RtpSubscription subscription) => ReadAsync(subscription, int.MaxValue);
}
