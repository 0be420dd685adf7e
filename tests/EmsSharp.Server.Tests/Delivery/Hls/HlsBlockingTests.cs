using EmsSharp.Media.Hub;
using EmsSharp.Server.Delivery.Hls;
using EmsSharp.Server.Events;
using EmsSharp.Server.Tests.Delivery.Fmp4;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace EmsSharp.Server.Tests.Delivery.Hls;

/// <summary>Blocking playlist reloads (RFC 8216bis §6.2.5.2), atomic writes, and an output on a blocked disk.</summary>
public sealed class HlsBlockingTests : IDisposable
{
    private readonly string _folder = TestEms.NewDataFolder();

    public void Dispose() => TestEms.DeleteFolder(_folder);

    private static HlsPlaylist NewPlaylist() =>
        new(new HlsPlaylistSettings("seg", 5, false, TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(200), 1 << 24));

    [Fact]
    public async Task A_blocking_reload_is_answered_when_the_part_appears()
    {
        var playlist = NewPlaylist();
        var segmenter = new HlsSegmenter(TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(200));
        foreach (var e in HlsSegmenterTests.Run(segmenter, 0, 40, gop: 30, flush: false))
        {
            playlist.Apply(e);
        }

        // Segment 1 has part 0 (frames 30-35, cut by frame 36? not yet: frames up to 39 give parts 0 of 30-35).
        Assert.True(playlist.Has(1, 0));
        Assert.False(playlist.Has(1, 1));
        Assert.False(playlist.IsTooFarAhead(1, 1));
        Assert.True(playlist.IsTooFarAhead(4, null)); // more than two segments past the last one: 400 at once

        var waiting = playlist.WaitForAsync(1, 1, CancellationToken.None);
        Assert.False(waiting.IsCompleted);
        foreach (var e in HlsSegmenterTests.Run(segmenter, 40, 43, gop: 30, flush: false))
        {
            playlist.Apply(e);
        }

        Assert.True(await waiting.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains("URI=\"seg_1.1.m4s\"", playlist.RenderLowLatency(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_blocking_reload_gives_up_at_its_timeout()
    {
        var time = new FakeTimeProvider();
        var playlist = NewPlaylist();
        foreach (var e in HlsSegmenterTests.Run(new HlsSegmenter(TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(200)), 0, 40, gop: 30, flush: false))
        {
            playlist.Apply(e);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3), time);
        var waiting = playlist.WaitForAsync(2, null, timeout.Token);
        Assert.False(waiting.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(3));
        Assert.False(await waiting.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task The_end_of_the_stream_releases_parked_requests()
    {
        var playlist = NewPlaylist();
        var waiting = playlist.WaitForAsync(0, 0, CancellationToken.None);
        Assert.False(waiting.IsCompleted);
        playlist.End();
        Assert.True(await waiting.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Files_are_written_under_a_temporary_name_and_renamed()
    {
        var path = Path.Combine(_folder, "playlist.m3u8");
        await File.WriteAllTextAsync(path, "old");
        File.WriteAllText(path + ".tmp", "a crash's leftover");
        HlsDiskFileSystem.Instance.WriteAtomic(path, "new"u8);
        Assert.Equal("new", await File.ReadAllTextAsync(path));
        Assert.False(File.Exists(path + ".tmp")); // renamed over the name, nothing left beside it

        // A failed write leaves the old file whole.
        Directory.CreateDirectory(path + ".tmp"); // the temp name cannot be opened as a file
        Assert.ThrowsAny<Exception>(() => HlsDiskFileSystem.Instance.WriteAtomic(path, "newer"u8));
        Assert.Equal("new", await File.ReadAllTextAsync(path));
    }

    [Fact]
    public async Task A_blocked_disk_never_holds_up_the_read_loop_the_queue_stays_bounded_and_writing_resumes()
    {
        var hub = new StreamHub(TimeProvider.System);
        using var disk = new GatedFileSystem();
        var events = new RecordingPublisher();
        // Room for about two of these segments (1 s of 45-byte frames and 12-byte audio frames: about 4 KiB each).
        var options = new HlsOptions { ReaderCapacity = 4096, MediaFolder = _folder, MaxPendingWriteBytes = 8 * 1024 };
        var services = new HlsServices(hub, events, disk, options, null, TimeProvider.System, NullLogger.Instance);
        var configuration = new HlsConfiguration(1, "cam", "g", _folder, 0, false, 5, "playlist.m3u8", 1, "seg", false, true, 5, false, false,
            DateTimeOffset.UnixEpoch);
        var output = new HlsOutput(configuration, services, new HlsGroup("g", _folder, "playlist.m3u8", false));
        Assert.True(hub.TryPublish("cam", out var stream));
        Fmp4TestStream.SetTracks(stream);
        using var other = stream.CreateReader(64); // another output of the same stream, reading as fast as it can
        output.Start();

        // The init segment's write blocks the writer; the read loop goes on.
        Fmp4TestStream.Publish(stream, 0, 1, gop: 30);
        await disk.Blocked.WaitAsync(TimeSpan.FromSeconds(10));
        var otherFrames = 0;
        var peakPending = 0L;
        for (var i = 1; i < 600; i++)
        {
            // Publish never waits, and the other reader keeps up without a drop.
            Fmp4TestStream.Publish(stream, i, i + 1, gop: 30);
            while (other.TryRead(out _))
            {
                otherFrames++;
            }

            if (i % 30 == 0 && i >= 60)
            {
                // Each segment reaches the in-memory playlist the HTTP side serves while the disk is still blocked.
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                Assert.True(await output.Playlist.WaitForAsync(i / 30 - 2, null, timeout.Token));
                peakPending = Math.Max(peakPending, output.PendingWriteBytes);
            }
        }

        Assert.Equal(0, other.DroppedFrames);
        Assert.Equal(1200, otherFrames);
        using (var made = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            Assert.True(await output.Playlist.WaitForAsync(18, null, made.Token)); // segments 0..18 made, none on disk
        }

        Assert.Contains("seg_18.m4s", output.Playlist.RenderLowLatency(), StringComparison.Ordinal);
        Assert.Empty(disk.Written);
        Assert.Equal(0, output.DroppedFrames); // the hub reader never fell behind: the loop did not wait for the disk
        Assert.InRange(peakPending, 1, options.MaxPendingWriteBytes); // bounded: old segments were dropped instead
        Assert.True(output.DroppedSegments >= 10, $"dropped {output.DroppedSegments}");
        Assert.Equal(output.DroppedSegments, output.StatusToJson()["droppedSegments"]!.GetValue<long>());
        Assert.Equal(output.DroppedSegments, events.Count(EventTypes.HlsChunkError));

        // Unblocked: the writer catches up with what is pending and the segments made from then on.
        disk.Release();
        for (var k = 0; k < 4; k++)
        {
            Fmp4TestStream.Publish(stream, 600 + (30 * k), 630 + (30 * k), gop: 30); // closes segment 19 + k
            await disk.WrittenAsync($"seg_{19 + k}.m4s").WaitAsync(TimeSpan.FromSeconds(10));
        }

        stream.Dispose();
        await output.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Contains(disk.Written, p => p.EndsWith("init.mp4", StringComparison.Ordinal));
        Assert.Contains(disk.Written, p => p.EndsWith("seg_23.m4s", StringComparison.Ordinal)); // the last, flushed at the end
        Assert.DoesNotContain(disk.Written, p => p.EndsWith("seg_0.m4s", StringComparison.Ordinal)); // dropped, never written

        // The playlist on disk keeps every segment; the dropped ones as EXT-X-GAP (draft-pantos-hls-rfc8216bis §4.4.4.7).
        var playlist = disk.Text(Path.Combine(_folder, "cam", "playlist.m3u8"));
        Assert.Contains("#EXT-X-GAP\n#EXTINF:1.00000,\nseg_0.m4s\n", playlist, StringComparison.Ordinal);
        Assert.Equal(output.DroppedSegments, playlist.Split("#EXT-X-GAP").Length - 1);
        Assert.DoesNotContain("#EXT-X-GAP\n#EXTINF:1.00000,\nseg_22.m4s", playlist, StringComparison.Ordinal);
        Assert.EndsWith("#EXT-X-ENDLIST\n", playlist, StringComparison.Ordinal); // appending, no keepAlive: it ended
    }

    [Fact]
    public async Task The_write_queue_drops_the_oldest_segments_and_writes_only_the_newest_manifest_in_order()
    {
        using var disk = new GatedFileSystem();
        var failures = new List<(string Path, string Reason)>();
        var dropped = new List<string>();
        var written = new List<string>();
        var queue = new SegmentWriteQueue(disk, 1500, (p, r) => failures.Add((p, r)), () => { }, CancellationToken.None);
        queue.EnqueueFile("init.mp4", new byte[100], () => written.Add("init.mp4"));
        await disk.Blocked.WaitAsync(TimeSpan.FromSeconds(10)); // the writer holds init.mp4; the rest waits

        var version = "v1";
        queue.EnqueueManifest("index.m3u8", () => System.Text.Encoding.UTF8.GetBytes(version), () => written.Add("index.m3u8"));
        queue.EnqueueSegment("s1.m4s", new byte[1000], () => written.Add("s1.m4s"), () => dropped.Add("s1.m4s"));
        queue.EnqueueManifest("index.m3u8", () => System.Text.Encoding.UTF8.GetBytes(version), () => written.Add("index.m3u8"));
        queue.EnqueueSegment("s2.m4s", new byte[1000], () => written.Add("s2.m4s"), () => dropped.Add("s2.m4s")); // s1 must go
        queue.EnqueueManifest("index.m3u8", () => System.Text.Encoding.UTF8.GetBytes(version), () => written.Add("index.m3u8"));
        Assert.Equal(["s1.m4s"], dropped);
        Assert.Equal([("s1.m4s", SegmentWriteQueue.DropReason)], failures);
        Assert.Equal(1, queue.DroppedSegments);
        Assert.Equal(1000, queue.PendingBytes); // s2; init.mp4 is being written, the manifest's bytes are made later
        version = "v3";

        disk.Release();
        queue.Complete();
        await queue.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(["init.mp4", "s2.m4s", "index.m3u8"], written); // one manifest write, after the segment it lists
        Assert.Equal("v3", disk.Text("index.m3u8")); // rendered when written: the newest content
        Assert.True(queue.Idle.IsCompleted);
    }

    /// <summary>A disk whose writes block until released; it keeps what was written.</summary>
    internal sealed class GatedFileSystem : IHlsFileSystem, IDisposable
    {
        private readonly ManualResetEventSlim _gate = new();
        private readonly TaskCompletionSource _blocked = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Dictionary<string, byte[]> _files = new(StringComparer.Ordinal);

        public Task Blocked => _blocked.Task;

        public List<string> Written { get; } = [];

        private readonly List<(string Name, TaskCompletionSource Done)> _waiters = [];

        public void Release() => _gate.Set();

        public void Dispose() => _gate.Dispose();

        /// <summary>Completes once a file whose path ends with <paramref name="name"/> was written.</summary>
        public Task WrittenAsync(string name)
        {
            lock (Written)
            {
                if (Written.Exists(p => p.EndsWith(name, StringComparison.Ordinal)))
                {
                    return Task.CompletedTask;
                }

                var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Add((name, done));
                return done.Task;
            }
        }

        public string Text(string path)
        {
            lock (Written)
            {
                return System.Text.Encoding.UTF8.GetString(_files[path]);
            }
        }

        public void WriteAtomic(string path, ReadOnlySpan<byte> bytes)
        {
            _blocked.TrySetResult();
            _gate.Wait(); // the writer thread blocks, as on a frozen disk
            lock (Written)
            {
                Written.Add(path);
                _files[path] = bytes.ToArray();
                foreach (var waiter in _waiters.Where(w => path.EndsWith(w.Name, StringComparison.Ordinal)))
                {
                    waiter.Done.TrySetResult();
                }
            }
        }

        public bool TryDelete(string path) => false;
    }

    /// <summary>Counts the events published, by type.</summary>
    internal sealed class RecordingPublisher : IEventPublisher
    {
        private readonly List<string> _types = [];

        public int Count(string type)
        {
            lock (_types)
            {
                return _types.Count(t => t == type);
            }
        }

        public void Publish(string type, System.Text.Json.Nodes.JsonObject payload)
        {
            lock (_types)
            {
                _types.Add(type);
            }
        }
    }
}
