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
        await HlsDiskFileSystem.Instance.WriteAtomicAsync(path, "new"u8.ToArray(), CancellationToken.None);
        Assert.Equal("new", await File.ReadAllTextAsync(path));
        Assert.False(File.Exists(path + ".tmp")); // renamed over the name, nothing left beside it

        // A failed write leaves the old file whole.
        Directory.CreateDirectory(path + ".tmp"); // the temp name cannot be opened as a file
        await Assert.ThrowsAnyAsync<Exception>(() => HlsDiskFileSystem.Instance.WriteAtomicAsync(path, "newer"u8.ToArray(), CancellationToken.None));
        Assert.Equal("new", await File.ReadAllTextAsync(path));
    }

    [Fact]
    public async Task A_writer_blocked_on_its_disk_drops_to_a_keyframe_and_never_holds_up_the_publisher_or_other_outputs()
    {
        var hub = new StreamHub(TimeProvider.System);
        var disk = new GatedFileSystem();
        var options = new HlsOptions { ReaderCapacity = 64, MediaFolder = _folder };
        var services = new HlsServices(hub, new NullPublisher(), disk, options, null, TimeProvider.System, NullLogger.Instance);
        var configuration = new HlsConfiguration(1, "cam", "g", _folder, 0, true, 5, "playlist.m3u8", 1, "seg", false, true, 5, false, false,
            DateTimeOffset.UnixEpoch);
        var output = new HlsOutput(configuration, services, new HlsGroup("g", _folder, "playlist.m3u8", false));
        Assert.True(hub.TryPublish("cam", out var stream));
        Fmp4TestStream.SetTracks(stream);
        using var other = stream.CreateReader(64); // another output of the same stream, reading as fast as it can
        output.Start();

        // The init segment's write blocks: the output's loop stops reading.
        Fmp4TestStream.Publish(stream, 0, 1, gop: 30);
        await disk.Blocked.WaitAsync(TimeSpan.FromSeconds(10));

        var otherFrames = 0;
        for (var i = 1; i < 600; i++)
        {
            // Publish never waits (it returns at once whatever the readers do), and the other reader keeps up without a drop.
            Fmp4TestStream.Publish(stream, i, i + 1, gop: 30);
            while (other.TryRead(out _))
            {
                otherFrames++;
            }
        }

        Assert.Equal(0, other.DroppedFrames);
        Assert.Equal(1200, otherFrames);

        disk.Release();
        stream.Dispose();
        await output.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(output.DroppedFrames > 0, "the blocked output's reader dropped to a keyframe");
        Assert.Contains(disk.Written, p => p.EndsWith("seg_0.m4s", StringComparison.Ordinal)); // and went on afterwards
    }

    private sealed class GatedFileSystem : IHlsFileSystem
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _blocked = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Blocked => _blocked.Task;

        public List<string> Written { get; } = [];

        public void Release() => _gate.TrySetResult();

        public async Task WriteAtomicAsync(string path, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
        {
            _blocked.TrySetResult();
            await _gate.Task.WaitAsync(cancellationToken);
            lock (Written)
            {
                Written.Add(path);
            }
        }

        public bool TryDelete(string path) => false;
    }

    private sealed class NullPublisher : IEventPublisher
    {
        public void Publish(string type, System.Text.Json.Nodes.JsonObject payload)
        {
        }
    }
}
