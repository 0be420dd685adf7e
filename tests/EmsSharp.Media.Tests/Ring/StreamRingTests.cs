using System.Runtime.CompilerServices;
using EmsSharp.Media.Ring;

namespace EmsSharp.Media.Tests.Ring;

public class StreamRingTests
{
    // A unit carries its index twice, so a torn copy (one field from another unit) shows.
    private readonly record struct Unit(long Index, long Check, bool Key);

    [Fact]
    public void Wraps_around_its_slots_and_a_reader_that_keeps_up_gets_every_unit_in_order()
    {
        var ring = new StreamRing<Unit>(new StreamRingOptions { MaxGopUnits = 7, ReaderLagUnits = 7 });
        using var reader = ring.CreateReader();
        Assert.Equal(8, ring.Capacity);
        for (var i = 0; i < 100; i++)
        {
            Publish(ring, i, key: i % 5 == 0);
            Assert.True(reader.TryRead(out var unit));
            Assert.Equal(i, unit.Index);
            Assert.False(reader.TryRead(out _));
        }

        Assert.Equal(8, ring.Capacity);
        Assert.Equal(100, reader.DeliveredUnits);
        Assert.Equal(0, reader.DroppedUnits);
    }

    [Fact]
    public void Reader_past_its_bound_skips_to_the_earliest_keyframe_within_it_and_counts()
    {
        var ring = new StreamRing<Unit>();
        using var reader = ring.CreateReader(maxLagUnits: 8);
        for (var i = 0; i < 20; i++)
        {
            Publish(ring, i, key: i % 5 == 0);
        }

        Assert.Equal(20, reader.LagUnits);
        // Keyframes 5, 10 and 15: only 15 is within 8 units of the writer.
        Assert.Equal([15L, 16, 17, 18, 19], Indices(reader));
        Assert.Equal(15, reader.DroppedUnits);
        Assert.Equal(1, reader.KeyframeSkips);
        Assert.Equal(5, reader.DeliveredUnits);
    }

    [Fact]
    public void Reader_with_no_keyframe_within_its_bound_waits_for_the_next_one()
    {
        var ring = new StreamRing<Unit>();
        using var reader = ring.CreateReader(maxLagUnits: 3);
        for (var i = 0; i < 10; i++)
        {
            Publish(ring, i, key: i % 5 == 0);
        }

        Assert.Empty(Indices(reader)); // keyframe 5 is 5 units behind
        Publish(ring, 10, key: false);
        Publish(ring, 11, key: true);
        Assert.Equal([11L], Indices(reader));
        Assert.Equal(11, reader.DroppedUnits);
        Assert.Equal(1, reader.KeyframeSkips);
    }

    [Fact]
    public void Lapped_reader_whose_units_were_released_skips_to_a_retained_keyframe_and_counts()
    {
        // The ring keeps 300 bytes; the reader itself has no byte bound, so it is lapped before it is behind.
        var ring = new StreamRing<Unit>(new StreamRingOptions { MaxGopBytes = 200, MaxBytes = 300 });
        using var reader = ring.CreateReader();
        for (var i = 0; i < 10; i++)
        {
            Publish(ring, i, key: i % 2 == 0, length: 100);
        }

        Assert.Equal([8L, 9], Indices(reader)); // 7, 8, 9 are retained; 8 is the keyframe among them
        Assert.Equal(8, reader.DroppedUnits);
        Assert.Equal(1, reader.KeyframeSkips);
    }

    [Fact]
    public void Byte_bound_skips_a_reader_that_lags_too_many_bytes_but_one_large_unit_still_passes()
    {
        var ring = new StreamRing<Unit>();
        using var reader = ring.CreateReader(maxLagBytes: 300);
        for (var i = 0; i < 9; i++)
        {
            Publish(ring, i, key: i % 3 == 0, length: 100);
        }

        Assert.Equal(900, reader.LagBytes);
        Assert.Equal([6L, 7, 8], Indices(reader)); // 6..8 are 300 bytes
        Assert.Equal(6, reader.DroppedUnits);
        Assert.Equal(0, reader.LagBytes);

        Publish(ring, 9, key: true, length: 10_000);
        Assert.Equal([9L], Indices(reader));
        Assert.Equal(6, reader.DroppedUnits);
    }

    [Fact]
    public void New_reader_starts_at_the_gop_cache_keyframe_unless_the_gop_is_too_long_for_the_cache_or_for_it()
    {
        var ring = new StreamRing<Unit>(new StreamRingOptions { MaxGopUnits = 4 });
        Publish(ring, 0, key: true);
        Publish(ring, 1, key: false);
        Publish(ring, 2, key: true);
        Publish(ring, 3, key: false);
        using var cached = ring.CreateReader();
        using var tooNarrow = ring.CreateReader(maxLagUnits: 1);
        Assert.Equal([2L, 3], Indices(cached));
        Assert.Empty(Indices(tooNarrow)); // the cache is longer than its bound: it skipped both, and counted them
        Assert.Equal(2, tooNarrow.DroppedUnits);
        Assert.Equal(1, tooNarrow.KeyframeSkips);

        Publish(ring, 4, key: false);
        Publish(ring, 5, key: false);
        Publish(ring, 6, key: false); // five units since keyframe 2: the cache is dropped
        using var uncached = ring.CreateReader();
        Assert.Empty(Indices(uncached));
        Publish(ring, 7, key: false);
        Publish(ring, 8, key: true);
        Assert.Equal([8L], Indices(uncached));
        Assert.Equal(1, uncached.DroppedUnits); // 7; not 6, published before the reader came
        Assert.Equal([4L, 5, 6, 7, 8], Indices(cached));
    }

    [Fact]
    public async Task Late_reader_of_an_ended_ring_sees_the_end_at_once_and_others_drain_first()
    {
        var ring = new StreamRing<Unit>();
        using var reader = ring.CreateReader();
        var pending = reader.WaitToReadAsync();
        Assert.False(pending.IsCompleted);
        Publish(ring, 0, key: true);
        Assert.True(await pending);
        Publish(ring, 1, key: false);
        var waitForMore = ReadTwoThenWaitAsync(reader);
        ring.Complete();
        Assert.False(ring.Publish(new Unit(2, 2, false), 1, isKeyframe: false));
        Assert.False(await waitForMore);
        Assert.True(reader.IsCompleted);

        using var late = ring.CreateReader();
        Assert.False(await late.WaitToReadAsync());
        Assert.Empty(Indices(late));
    }

    [Fact]
    public async Task Pending_wait_is_released_by_dispose_and_by_cancellation()
    {
        var ring = new StreamRing<Unit>();
        var disposed = ring.CreateReader();
        using var cancelled = ring.CreateReader();
        using var cts = new CancellationTokenSource();
        var waitDisposed = disposed.WaitToReadAsync();
        var waitCancelled = cancelled.WaitToReadAsync(cts.Token).AsTask();
        disposed.Dispose();
        Assert.False(await waitDisposed);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waitCancelled);
        Assert.Equal(1, ring.ReaderCount);

        Publish(ring, 0, key: true); // the cancelled reader is still on the waiters' stack: no harm
        Assert.True(await cancelled.WaitToReadAsync());
        Assert.Equal([0L], Indices(cancelled));
    }

    [Fact]
    public void Consumer_group_is_notified_once_per_unit_however_many_of_its_readers_follow_the_ring()
    {
        var ring = new StreamRing<Unit>();
        var group = new CountingListener();
        var other = new CountingListener();
        var readers = Enumerable.Range(0, 100).Select(_ => ring.CreateReader(listener: group)).ToList();
        using var alone = ring.CreateReader(listener: other);
        for (var i = 0; i < 10; i++)
        {
            Publish(ring, i, key: i == 0);
        }

        Assert.Equal(10, group.Published);
        Assert.Equal(10, other.Published);
        Assert.All(readers, r => Assert.Equal(10, Indices(r).Count));

        readers.ForEach(r => r.Dispose());
        Publish(ring, 10, key: false);
        ring.Complete();
        Assert.Equal(10, group.Published); // its last reader left: the ring forgot it
        Assert.Equal(0, group.Completed);
        Assert.Equal(11, other.Published);
        Assert.Equal(1, other.Completed);
        Assert.Same(ring, other.LastRing);
    }

    [Fact]
    public void Grows_for_a_reader_that_may_lag_more_than_the_ring_holds()
    {
        var ring = new StreamRing<Unit>(new StreamRingOptions { MaxGopUnits = 7, ReaderLagUnits = 7 });
        using var keepsUp = ring.CreateReader();
        Publish(ring, 0, key: true);
        Assert.Equal([0L], Indices(keepsUp));
        using var patient = ring.CreateReader(maxLagUnits: 100); // starts at the cached keyframe 0
        for (var i = 1; i < 100; i++)
        {
            Publish(ring, i, key: i % 10 == 0);
        }

        Assert.Equal(128, ring.Capacity);
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (long)i), Indices(patient));
        Assert.Equal(0, patient.DroppedUnits);
    }

    [Fact]
    public void Units_that_every_reader_passed_and_the_gop_cache_left_are_released_for_the_collector()
    {
        var ring = new StreamRing<object>();
        using var reader = ring.CreateReader();
        var first = PublishCollectable(ring);
        Assert.True(ReadOne(reader));
        for (var i = 0; i < 64; i++)
        {
            ring.Publish(i, 1, isKeyframe: i == 63); // a new GOP, and the writer's periodic release
            Assert.True(ReadOne(reader));
        }

        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.False(first.TryGetTarget(out _));
    }

    [Fact]
    public void Unit_a_lagging_reader_still_needs_is_kept()
    {
        var ring = new StreamRing<object>();
        using var lagging = ring.CreateReader();
        var first = PublishCollectable(ring);
        for (var i = 0; i < 64; i++)
        {
            ring.Publish(i, 1, isKeyframe: i == 63);
        }

        GC.Collect();
        Assert.True(lagging.TryRead(out var unit));
        Assert.True(first.TryGetTarget(out var target));
        Assert.Same(target, unit);
    }

    [Fact]
    public async Task Concurrent_writer_and_readers_account_for_every_unit_and_never_see_a_torn_one()
    {
        const int Units = 200_000;
        var ring = new StreamRing<Unit>(new StreamRingOptions { MaxGopUnits = 30, ReaderLagUnits = 64 });
        var readers = Enumerable.Range(0, 6).Select(i => ring.CreateReader(maxLagUnits: i % 2 == 0 ? 64 : 1)).ToList();
        var consumers = readers.Select(r => Task.Run(async () =>
        {
            long last = -1;
            var resumedAtKeyframes = true;
            await foreach (var unit in r.ReadAllAsync())
            {
                Assert.Equal(unit.Index, unit.Check);
                Assert.True(unit.Index > last);
                resumedAtKeyframes &= unit.Index == last + 1 || unit.Key;
                last = unit.Index;
            }

            return resumedAtKeyframes;
        })).ToList();

        await Task.Run(() =>
        {
            for (var i = 0; i < Units; i++)
            {
                Publish(ring, i, key: i % 30 == 0);
            }

            ring.Complete();
        });

        Assert.All(await Task.WhenAll(consumers), Assert.True);
        Assert.All(readers, r => Assert.Equal(Units, r.DeliveredUnits + r.DroppedUnits));
        readers.ForEach(r => r.Dispose());
        Assert.Equal(0, ring.ReaderCount);
    }

    private static void Publish(StreamRing<Unit> ring, long index, bool key, int length = 10) =>
        Assert.True(ring.Publish(new Unit(index, index, key), length, key));

    private static List<long> Indices(StreamRingReader<Unit> reader)
    {
        var indices = new List<long>();
        while (reader.TryRead(out var unit))
        {
            indices.Add(unit.Index);
        }

        return indices;
    }

    private static async Task<bool> ReadTwoThenWaitAsync(StreamRingReader<Unit> reader)
    {
        Assert.True(reader.TryRead(out _));
        Assert.True(reader.TryRead(out _));
        return await reader.WaitToReadAsync();
    }

    // Not inlined, so no local of the caller keeps the unit alive.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference<object> PublishCollectable(StreamRing<object> ring)
    {
        var unit = new byte[1000];
        ring.Publish(unit, unit.Length, isKeyframe: true);
        return new WeakReference<object>(unit);
    }

    // Not inlined, so no hidden local of the caller keeps the unit read alive.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool ReadOne(StreamRingReader<object> reader) => reader.TryRead(out _);

    private sealed class CountingListener : IStreamRingListener
    {
        public int Published { get; private set; }

        public int Completed { get; private set; }

        public IStreamRing? LastRing { get; private set; }

        public void OnPublished(IStreamRing ring)
        {
            Published++;
            LastRing = ring;
        }

        public void OnCompleted(IStreamRing ring)
        {
            Completed++;
            LastRing = ring;
        }
    }
}
