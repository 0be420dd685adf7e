using EmsSharp.Media.Hub;
using EmsSharp.Server.Delivery.Fmp4;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using static EmsSharp.Server.Tests.Delivery.Fmp4.Fmp4TestStream;

namespace EmsSharp.Server.Tests.Delivery.Fmp4;

public sealed class Fmp4StreamSourceTests
{
    private readonly StreamHub _hub = new();

    [Fact]
    public async Task Late_viewer_gets_the_init_then_the_gop_cache_from_its_keyframe_fragment()
    {
        Assert.True(_hub.TryPublish("s", out var stream));
        SetTracks(stream);
        Publish(stream, 0, 15, gop: 5); // the hub's GOP cache now holds frames 10..14
        var source = NewSource(stream);
        using var first = source.TrySubscribe()!;
        var firstPackets = await ReadAsync(first, 5); // init + fragments 10..13 (the muxer holds 14 back)
        Assert.True(IsInit(firstPackets[0]));
        Assert.Equal([10, 11, 12, 13], FragmentIndices(firstPackets));

        Publish(stream, 15, 23, gop: 5);
        firstPackets.AddRange(await ReadAsync(first, 8)); // fragments 14..21
        Assert.Equal([.. Enumerable.Range(10, 12)], FragmentIndices(firstPackets));

        using var late = source.TrySubscribe()!;
        var latePackets = await ReadAsync(late, 3);
        Assert.True(IsInit(latePackets[0]));
        Assert.Equal(firstPackets[0], latePackets[0]);
        Assert.Equal((20, true), FirstVideo(latePackets[1]));
        Assert.Equal((21, false), FirstVideo(latePackets[2]));
        Assert.False(late.TryRead(out _));
        Assert.Equal(1, stream.GetStats().Readers); // one hub reader (one muxer) for both viewers
        Assert.Equal(2, source.SubscriberCount);
    }

    [Fact]
    public async Task Slow_viewer_drops_to_the_next_keyframe_and_counts_while_a_fast_one_gets_everything()
    {
        Assert.True(_hub.TryPublish("s", out var stream));
        SetTracks(stream);
        Publish(stream, 0, 5, gop: 5);
        var source = NewSource(stream);
        using var fast = source.TrySubscribe(queueFragments: 1_000)!;
        using var slow = source.TrySubscribe(queueFragments: 3)!;
        var fastPackets = await ReadAsync(fast, 5); // init + 0..3: the pump is attached

        Publish(stream, 5, 40, gop: 5);
        stream.Dispose();
        fastPackets.AddRange(await ReadToEndAsync(fast));
        var slowPackets = await ReadToEndAsync(slow);

        Assert.Equal([.. Enumerable.Range(0, 40)], FragmentIndices(fastPackets));
        Assert.Equal(0, fast.DroppedFragments);
        Assert.True(fast.IsCompleted);
        Assert.True(slow.DroppedFragments > 0);
        Assert.True(slow.KeyframeSkips > 0);
        var slowIndices = FragmentIndices(slowPackets);
        Assert.Equal(40, slowIndices.Count + slow.DroppedFragments); // each fragment delivered or counted
        Assert.True(IsInit(slowPackets[0]));
        for (var i = 0; i < slowIndices.Count; i++)
        {
            if (i == 0 || slowIndices[i] != slowIndices[i - 1] + 1)
            {
                Assert.True(slowIndices[i] % 5 == 0, $"after a gap the slow viewer resumed at {slowIndices[i]}");
            }
        }

        await source.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(source.IsStopped);
    }

    [Fact]
    public async Task Back_pressure_report_skips_to_the_next_keyframe_fragment()
    {
        Assert.True(_hub.TryPublish("s", out var stream));
        SetTracks(stream);
        Publish(stream, 0, 5, gop: 5);
        var source = NewSource(stream);
        using var viewer = source.TrySubscribe()!;
        await ReadAsync(viewer, 5); // init + 0..3

        Publish(stream, 5, 8, gop: 5);
        Assert.Equal([4, 5, 6], FragmentIndices(await ReadAsync(viewer, 3)));
        viewer.SkipToNextKeyframe(); // "my transport's buffered amount is high"
        Publish(stream, 8, 12, gop: 5);
        var next = await ReadAsync(viewer, 1);
        Assert.Equal((10, true), FirstVideo(next[0]));
        Assert.Equal(3, viewer.DroppedFragments); // 7, 8, 9
        Assert.Equal(1, viewer.KeyframeSkips);
    }

    [Fact]
    public async Task New_track_configuration_sends_a_new_init_and_restarts_at_a_keyframe()
    {
        Assert.True(_hub.TryPublish("s", out var stream));
        SetTracks(stream);
        Publish(stream, 0, 5, gop: 5);
        var source = NewSource(stream);
        using var viewer = source.TrySubscribe()!;
        var before = await ReadAsync(viewer, 5);

        SetTracks(stream, sampleRate: 44_100);
        Publish(stream, 5, 12, gop: 5);
        var after = await ReadAsync(viewer, 2);
        Assert.True(IsInit(after[0]));
        Assert.NotEqual(before[0], after[0]);
        Assert.Equal((5, true), FirstVideo(after[1]));

        SetTracks(stream, sampleRate: 44_100); // same bytes again: no new init
        Publish(stream, 12, 13, gop: 5);
        Assert.False(IsInit((await ReadAsync(viewer, 1))[0]));
    }

    [Fact]
    public void Each_fragment_goes_out_behind_its_own_init_packet_sent_once_per_change()
    {
        Assert.True(_hub.TryPublish("s", out var stream)); // silent: the test publishes the fragments itself
        var source = NewSource(stream);
        using var viewer = source.TrySubscribe()!;
        var first = new Fmp4Packet([1], isInit: true, startsWithKeyframe: true);
        var second = new Fmp4Packet([2], isInit: true, startsWithKeyframe: true);
        Fmp4Packet[] fragments =
        [
            new([10], isInit: false, startsWithKeyframe: true) { Init = first },
            new([11], isInit: false, startsWithKeyframe: false) { Init = first },
            new([12], isInit: false, startsWithKeyframe: true) { Init = second },
        ];
        var read = new List<Fmp4Packet>();
        foreach (var fragment in fragments)
        {
            source.Publish(fragment);
            while (viewer.TryReadPacket(out var packet))
            {
                read.Add(packet);
            }
        }

        Assert.Equal([first, fragments[0], fragments[1], second, fragments[2]], read);
        Assert.Equal(5, viewer.DeliveredPackets);
        Assert.Equal(0, viewer.DroppedFragments);
    }

    [Fact]
    public async Task Source_stops_when_the_last_viewer_leaves_and_the_manager_starts_a_new_one()
    {
        Assert.True(_hub.TryPublish("s", out var stream));
        SetTracks(stream);
        Publish(stream, 0, 3, gop: 5);
        using var manager = NewManager(_hub);
        var a = manager.TrySubscribe(stream)!;
        var b = manager.TrySubscribe(stream)!;
        var source = manager.Find("s")!;
        Assert.Equal(3, (await ReadAsync(a, 3)).Count); // the pump runs
        Assert.Equal(2, source.SubscriberCount);

        a.Dispose();
        Assert.False(source.IsStopped);
        b.Dispose();
        Assert.True(source.IsStopped);
        await source.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, stream.GetStats().Readers);
        Assert.Null(manager.Find("s"));
        Assert.False(await b.WaitToReadAsync());

        using var c = manager.TrySubscribe(stream)!;
        Assert.NotSame(source, manager.Find("s"));
        Assert.True(IsInit((await ReadAsync(c, 1))[0]));
    }

    [Fact]
    public async Task End_of_stream_ends_every_viewer_and_the_manager_forgets_the_source()
    {
        Assert.True(_hub.TryPublish("s", out var stream));
        SetTracks(stream);
        Publish(stream, 0, 5, gop: 5);
        using var manager = NewManager(_hub);
        using var viewer = manager.TrySubscribe(stream)!;
        await ReadAsync(viewer, 5);
        var source = manager.Find("s")!;

        stream.Dispose();
        var rest = await ReadToEndAsync(viewer);
        Assert.Equal([4], FragmentIndices(rest)); // the flushed last frame
        Assert.True(viewer.IsCompleted);
        await source.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Null(manager.Find("s"));
    }

    [Fact]
    public async Task Manager_waits_for_the_stream_and_gives_up_after_the_timeout()
    {
        var time = new FakeTimeProvider();
        var hub = new StreamHub(time);
        using var manager = NewManager(hub);
        var missing = manager.SubscribeAsync("missing", TimeSpan.FromSeconds(10));
        var later = manager.SubscribeAsync("later", TimeSpan.FromSeconds(10));
        Assert.True(hub.TryPublish("later", out var stream));
        SetTracks(stream);
        Publish(stream, 0, 2, gop: 5);
        using var viewer = await later.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.NotNull(viewer);
        Assert.False(missing.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.Null(await missing.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    private static Fmp4StreamSource NewSource(LiveStream stream) =>
        new(stream, new Fmp4SourceOptions(), NullLogger.Instance, null);

    private static Fmp4SourceManager NewManager(StreamHub hub) =>
        new(hub, Microsoft.Extensions.Options.Options.Create(new Fmp4SourceOptions()), new EmsSharp.Server.Delivery.DeliveryStats(new FakeTimeProvider()),
            NullLogger<Fmp4StreamSource>.Instance);
}
