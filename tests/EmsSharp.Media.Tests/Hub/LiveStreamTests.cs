using EmsSharp.Media.Hub;
using Microsoft.Extensions.Time.Testing;
using static EmsSharp.Media.Tests.Hub.HubTestFrames;

namespace EmsSharp.Media.Tests.Hub;

public class LiveStreamTests
{
    [Fact]
    public void New_reader_starts_with_the_gop_cache_from_the_last_keyframe_audio_included()
    {
        var hub = new StreamHub();
        using var stream = Publish(hub);
        stream.Publish(Video(0, key: true));
        stream.Publish(Audio(0));
        stream.Publish(Video(3000, key: false));
        stream.Publish(Video(6000, key: true));
        stream.Publish(Audio(1024));
        stream.Publish(Video(9000, key: false));

        using var reader = stream.CreateReader(16);
        var frames = Drain(reader);
        Assert.Equal(3, frames.Count);
        Assert.True(frames[0].IsKeyframe);
        Assert.Equal(6000, frames[0].Dts);
        Assert.Equal(TrackKind.Audio, frames[1].Kind);
        Assert.Equal(9000, frames[2].Dts);

        stream.Publish(Video(12000, key: false));
        Assert.True(reader.TryRead(out var live));
        Assert.Equal(12000, live.Dts);
    }

    [Fact]
    public void Reader_joining_before_any_keyframe_skips_to_the_first_keyframe()
    {
        var hub = new StreamHub();
        using var stream = Publish(hub);
        using var reader = stream.CreateReader(16);
        stream.Publish(Audio(0));
        stream.Publish(Video(0, key: false));
        stream.Publish(Video(3000, key: true));
        var frames = Drain(reader);
        Assert.Single(frames);
        Assert.True(frames[0].IsKeyframe);
        Assert.Equal(2, reader.DroppedFrames);
    }

    [Fact]
    public void Audio_only_stream_delivers_at_once()
    {
        var hub = new StreamHub();
        Assert.True(hub.TryPublish("radio", out var stream));
        stream.SetAudioTrack(new AudioTrackConfig(MediaCodec.Pcmu, ReadOnlyMemory<byte>.Empty, 8000, 1));
        using var reader = stream.CreateReader(4);
        stream.Publish(Audio(0));
        stream.Publish(Audio(160));
        Assert.Equal(2, Drain(reader).Count);
        stream.Dispose();
    }

    [Fact]
    public void Fan_out_shares_one_payload_buffer_with_every_reader()
    {
        var hub = new StreamHub();
        using var stream = Publish(hub);
        var readers = Enumerable.Range(0, 100).Select(_ => stream.CreateReader(8)).ToList();
        var payload = new byte[1000];
        stream.Publish(new MediaFrame(TrackKind.Video, MediaCodec.H264, 0, 0, true, payload));
        foreach (var reader in readers)
        {
            Assert.True(reader.TryRead(out var frame));
            Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(frame.Payload, out var segment));
            Assert.Same(payload, segment.Array);
            reader.Dispose();
        }

        Assert.Equal(0, stream.GetStats().Readers);
    }

    [Fact]
    public void Slow_reader_drops_to_the_next_keyframe_and_counts_while_others_get_everything()
    {
        var hub = new StreamHub();
        using var stream = Publish(hub);
        using var slow = stream.CreateReader(4);
        using var fast = stream.CreateReader(64);
        stream.Publish(Video(0, key: true));
        for (var i = 1; i <= 5; i++)
        {
            stream.Publish(Video(i * 3000, key: false));
        }

        // The sixth frame overflowed the slow queue of 4: queued frames dropped, skipping to a keyframe.
        stream.Publish(Video(18000, key: false));
        stream.Publish(Video(21000, key: true));
        stream.Publish(Video(24000, key: false));

        var slowFrames = Drain(slow);
        Assert.Equal([21000L, 24000L], slowFrames.Select(f => f.Dts));
        Assert.True(slowFrames[0].IsKeyframe);
        Assert.Equal(7, slow.DroppedFrames);
        Assert.Equal(1, slow.Overflows);
        Assert.Equal(9, Drain(fast).Count);
        Assert.Equal(0, fast.DroppedFrames);
        Assert.Equal(7, stream.GetStats().DroppedFrames);
    }

    [Fact]
    public void Publisher_never_blocks_on_readers_that_never_read()
    {
        var hub = new StreamHub();
        using var stream = Publish(hub);
        var readers = Enumerable.Range(0, 50).Select(_ => stream.CreateReader(2)).ToList();
        for (var i = 0; i < 10_000; i++)
        {
            Assert.True(stream.Publish(Video(i * 3000, key: i % 30 == 0)));
        }

        // A reader that never read holds nothing but its cursor; when it reads, it drops to a keyframe within its
        // bound (none here: it waits for the next one) and counts what it passed over.
        Assert.All(readers, r => Assert.True(Drain(r).Count <= 2));
        Assert.All(readers, r => Assert.True(r.DroppedFrames > 9_000));
        readers.ForEach(r => r.Dispose());
    }

    [Fact]
    public async Task Stream_end_is_signalled_after_queued_frames_are_drained()
    {
        var hub = new StreamHub();
        var stream = Publish(hub);
        using var reader = stream.CreateReader(8);
        var pending = reader.WaitToReadAsync();
        Assert.False(pending.IsCompleted);
        stream.Publish(Video(0, key: true));
        Assert.True(await pending);
        stream.Dispose();
        Assert.False(stream.Publish(Video(3000, key: false)));
        Assert.True(await reader.WaitToReadAsync());
        Assert.True(reader.TryRead(out _));
        Assert.False(await reader.WaitToReadAsync());
        using var late = stream.CreateReader(8);
        Assert.False(await late.WaitToReadAsync());
    }

    [Fact]
    public async Task Pending_wait_is_released_by_end_dispose_and_cancellation()
    {
        var hub = new StreamHub();
        var stream = Publish(hub);
        var a = stream.CreateReader(8);
        var b = stream.CreateReader(8);
        var c = stream.CreateReader(8);
        using var cts = new CancellationTokenSource();
        var waitA = a.WaitToReadAsync();
        var waitB = b.WaitToReadAsync();
        var waitC = c.WaitToReadAsync(cts.Token).AsTask();
        b.Dispose();
        Assert.False(await waitB);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waitC);
        stream.Dispose();
        Assert.False(await waitA);
        a.Dispose();
        c.Dispose();
    }

    [Fact]
    public async Task ReadAllAsync_yields_frames_until_the_end()
    {
        var hub = new StreamHub();
        var stream = Publish(hub);
        using var reader = stream.CreateReader(8);
        stream.Publish(Video(0, key: true));
        stream.Publish(Audio(0));
        stream.Dispose();
        var count = 0;
        await foreach (var frame in reader.ReadAllAsync())
        {
            count++;
        }

        Assert.Equal(2, count);
    }

    [Fact]
    public void Oversized_gop_is_not_cached_so_new_readers_wait_for_a_keyframe()
    {
        var hub = new StreamHub(options: new LiveStreamOptions { MaxGopFrames = 3 });
        using var stream = Publish(hub);
        stream.Publish(Video(0, key: true));
        for (var i = 1; i <= 3; i++)
        {
            stream.Publish(Video(i * 3000, key: false));
        }

        using var reader = stream.CreateReader(16);
        Assert.Empty(Drain(reader));
        stream.Publish(Video(12000, key: true));
        Assert.Single(Drain(reader));
    }

    [Fact]
    public void Stats_count_frames_bytes_bitrate_and_readers()
    {
        var time = new FakeTimeProvider();
        var hub = new StreamHub(time);
        using var stream = Publish(hub);
        using var reader = stream.CreateReader(64);
        stream.Publish(Video(0, key: true, size: 1000));
        stream.Publish(Audio(0, size: 250));
        time.Advance(TimeSpan.FromSeconds(1));
        stream.Publish(Video(90000, key: false, size: 0));
        var stats = stream.GetStats();
        Assert.Equal(2, stats.VideoFrames);
        Assert.Equal(1, stats.AudioFrames);
        Assert.Equal(1250, stats.Bytes);
        Assert.Equal(10_000, stats.BitsPerSecond);
        Assert.Equal(1, stats.Readers);
        Assert.Equal("s", stats.Name);
    }

    [Fact]
    public async Task Concurrent_readers_see_every_frame_in_order()
    {
        var hub = new StreamHub();
        var stream = Publish(hub);
        var readers = Enumerable.Range(0, 8).Select(_ => stream.CreateReader(20_000)).ToList();
        var consumers = readers.Select(async r =>
        {
            long last = -1;
            var n = 0;
            await foreach (var frame in r.ReadAllAsync())
            {
                Assert.True(frame.Dts > last);
                last = frame.Dts;
                n++;
            }

            return n;
        }).ToList();
        var producer = Task.Run(() =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                stream.Publish(Video(i, key: i % 30 == 0));
            }

            stream.Dispose();
        });
        await producer;
        var counts = await Task.WhenAll(consumers);
        Assert.All(counts, n => Assert.Equal(10_000, n));
    }
}
