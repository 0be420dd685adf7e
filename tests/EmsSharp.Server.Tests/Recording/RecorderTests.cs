using EmsSharp.Media.Hub;
using EmsSharp.Media.Ts;
using EmsSharp.Server.Delivery;
using EmsSharp.Server.Events;
using EmsSharp.Server.Recording;
using EmsSharp.Server.Tests.Delivery.Fmp4;
using EmsSharp.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace EmsSharp.Server.Tests.Recording;

/// <summary>A recording's files, chunks and events from a hub stream, and a disk that blocks never holding up the publisher.</summary>
public sealed class RecorderTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
    private readonly string _folder = TestEms.NewDataFolder();
    private readonly FakeTimeProvider _time = new(Start);

    // outStreamCreated of each recording: the recorder's reader is attached, so what is published next reaches it.
    private readonly SignallingPublisher _outputs = new();

    public void Dispose() => TestEms.DeleteFolder(_folder);

    [Theory]
    [InlineData(RecordType.Mp4, "OFMP4")]
    [InlineData(RecordType.Ts, "OFTS")]
    public async Task Chunks_are_cut_at_the_first_keyframe_past_chunk_length_with_created_and_closed_events(string type, string typeTag)
    {
        var hub = new StreamHub(_time);
        Assert.True(hub.TryPublish("cam", out var stream));
        Fmp4TestStream.SetTracks(stream);
        var events = new RecordingPublisher();
        var recorder = new Recorder(Configuration("c." + type, chunkLength: 2, type: type), Services(hub, events), _time, NullLogger.Instance);
        recorder.Start();
        await _outputs.WaitForAsync(EventTypes.OutStreamCreated);
        Assert.Equal(typeTag, (string)_outputs.Payloads(EventTypes.OutStreamCreated)[0]["type"]!);
        // 30 fps, a keyframe every 45 frames (1.5 s): 2 s is passed at frame 60, the next keyframe is frame 90.
        Fmp4TestStream.Publish(stream, 0, 200, 45);
        stream.Dispose();
        await recorder.Completion.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal([EventTypes.RecordChunkCreated, EventTypes.RecordChunkClosed, EventTypes.RecordChunkCreated, EventTypes.RecordChunkClosed,
            EventTypes.RecordChunkCreated, EventTypes.RecordChunkClosed], events.Types);
        string[] files = [.. Enumerable.Range(1, 3).Select(n => Path.Combine(_folder, $"c_{n}.{type}"))];
        Assert.Equal(files, events.Payloads.Where((_, i) => i % 2 == 0).Select(p => (string)p["file"]!));
        // Frames 0-89, 90-179, 180-199 (video and the audio that follows each).
        Assert.Equal([180L, 180L, 40L], events.Payloads.Where((_, i) => i % 2 == 1).Select(p => (long)p["frameCount"]!));
        var closed = events.Payloads[1];
        Assert.Equal(["file", "frameCount", "startTime", "stopTime", "_id"], closed.Select(p => p.Key));
        Assert.Equal(Start.ToUnixTimeMilliseconds(), (long)closed["startTime"]!);
        Assert.Equal("7", (string)closed["_id"]!);
        Assert.Equal(["file", "startTime", "_id"], events.Payloads[0].Select(p => p.Key));
        int[] firstFrames = [0, 90, 180];
        for (var i = 0; i < files.Length; i++)
        {
            var bytes = await File.ReadAllBytesAsync(files[i]);
            if (type == RecordType.Mp4)
            {
                Assert.Equal("ftyp"u8.ToArray(), bytes[4..8]);
                continue;
            }

            // ts: the PAT and PMT first, then the chunk's keyframe, on a clock of the file's own.
            var packets = TsTestReader.Packets(bytes);
            Assert.Equal([0, TsMuxer.PmtPid, TsMuxer.VideoPid], packets.Take(3).Select(p => p.Pid));
            var video = TsTestReader.Pes(packets, TsMuxer.VideoPid);
            Assert.True(video[0].First.RandomAccess);
            var (_, _, dts, data) = TsTestReader.ParsePes(video[0].Pes);
            Assert.Equal((byte)firstFrames[i], data[^1]); // the frame's index fills its NAL unit
            Assert.Equal(TsMuxer.DecodeDelay, dts);
        }
    }

    [Fact]
    public async Task With_wait_for_idr_the_gop_cache_is_skipped_and_the_file_starts_at_the_next_keyframe()
    {
        var hub = new StreamHub(_time);
        Assert.True(hub.TryPublish("cam", out var stream));
        Fmp4TestStream.SetTracks(stream);
        Fmp4TestStream.Publish(stream, 0, 20, 30); // the GOP cache: frames 0-19
        var events = new RecordingPublisher();
        var recorder = new Recorder(Configuration("w.flv", type: RecordType.Flv, waitForIdr: true), Services(hub, events), _time, NullLogger.Instance);
        recorder.Start();
        await _outputs.WaitForAsync(EventTypes.OutStreamCreated);
        Fmp4TestStream.Publish(stream, 20, 70, 30); // 20-29 are skipped (no keyframe), 30-69 recorded
        stream.Dispose();
        await recorder.Completion.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(80L, (long)events.Payloads[1]["frameCount"]!);
        var bytes = await File.ReadAllBytesAsync(Path.Combine(_folder, "w.flv"));
        Assert.Equal("FLV"u8.ToArray(), bytes[..3]);
        Assert.Equal(0x05, bytes[4]); // audio and video
    }

    [Fact]
    public async Task A_ts_recording_of_a_stream_with_opus_keeps_the_video_and_counts_the_audio_as_not_recordable()
    {
        var hub = new StreamHub(_time);
        Assert.True(hub.TryPublish("cam", out var stream));
        stream.SetVideoTrack(new VideoTrackConfig(MediaCodec.H264, Fmp4TestStream.AvcC(), 1280, 720));
        stream.SetAudioTrack(new AudioTrackConfig(MediaCodec.Opus, ReadOnlyMemory<byte>.Empty, 48_000, 2)); // a WHIP publisher's
        var events = new RecordingPublisher();
        var recorder = new Recorder(Configuration("o.ts", type: RecordType.Ts), Services(hub, events), _time, NullLogger.Instance);
        recorder.Start();
        await _outputs.WaitForAsync(EventTypes.OutStreamCreated);
        for (var i = 0; i < 30; i++)
        {
            Assert.True(stream.Publish(Fmp4TestStream.VideoFrame(i, key: i == 0)));
            Assert.True(stream.Publish(new MediaFrame(TrackKind.Audio, MediaCodec.Opus, i * 1600L, i * 1600L, true, new byte[] { 0xFC, 1 })));
        }

        stream.Dispose();
        await recorder.Completion.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal((0L, 30L), recorder.Frames);
        Assert.Equal(30L, (long)events.Payloads[1]["frameCount"]!);
        var packets = TsTestReader.Packets(await File.ReadAllBytesAsync(Path.Combine(_folder, "o.ts")));
        Assert.Equal([0, TsMuxer.VideoPid, TsMuxer.PmtPid], packets.Select(p => p.Pid).Distinct().Order());
        Assert.Equal(30, TsTestReader.Pes(packets, TsMuxer.VideoPid).Count);
    }

    [Fact]
    public async Task A_disk_that_blocks_never_holds_up_the_publisher_and_the_reader_drops_and_counts()
    {
        var hub = new StreamHub(_time);
        Assert.True(hub.TryPublish("cam", out var stream));
        Fmp4TestStream.SetTracks(stream);
        Fmp4TestStream.Publish(stream, 0, 1, 30);
        using var disk = new BlockingStream();
        var services = Services(hub, new RecordingPublisher()) with { Options = new RecordOptions { QueueFrames = 64 }, OpenFile = (_, _) => disk };
        var recorder = new Recorder(Configuration("slow.mp4"), services, _time, NullLogger.Instance);
        recorder.Start();
        await disk.Entered.WaitAsync(TimeSpan.FromSeconds(10)); // the recorder is stuck in its first write

        // 3000 frames published while the disk does not move: each Publish returns at once.
        await Task.Run(() => Fmp4TestStream.Publish(stream, 1, 3000, 30)).WaitAsync(TimeSpan.FromSeconds(10));
        disk.Release();
        stream.Dispose();
        await recorder.Completion.WaitAsync(TimeSpan.FromSeconds(10));

        var (dropped, _) = recorder.Frames;
        Assert.True(dropped > 5000, $"dropped {dropped}");
        Assert.True(dropped < 6000, $"dropped {dropped}");
    }

    [Fact]
    public async Task A_kept_alive_recording_resumes_in_a_new_file_when_its_stream_comes_back_and_never_replaces_a_finished_one()
    {
        var hub = new StreamHub(_time);
        await File.WriteAllTextAsync(Path.Combine(_folder, "k.mp4"), "an earlier run"); // taken: the recording goes on past it
        var events = new SignallingPublisher();
        var recorder = new Recorder(Configuration("k.mp4", keepAlive: true), Services(hub, events), _time, NullLogger.Instance);
        recorder.Start();
        for (var period = 0; period < 2; period++)
        {
            Assert.True(hub.TryPublish("cam", out var stream));
            Fmp4TestStream.SetTracks(stream);
            await _outputs.WaitForAsync(EventTypes.OutStreamCreated, period + 1);
            Fmp4TestStream.Publish(stream, 0, 40, 30);
            stream.Dispose();
            await events.WaitForAsync(EventTypes.RecordChunkClosed, period + 1);
        }

        await recorder.StopAsync();
        Assert.Equal("an earlier run", await File.ReadAllTextAsync(Path.Combine(_folder, "k.mp4")));
        Assert.Equal([Path.Combine(_folder, "k_1.mp4"), Path.Combine(_folder, "k_2.mp4")],
            events.Payloads(EventTypes.RecordChunkClosed).Select(p => (string)p["file"]!));
        Assert.All(events.Payloads(EventTypes.RecordChunkClosed), p => Assert.Equal(80L, (long)p["frameCount"]!));
    }

    private RecordConfiguration Configuration(
        string file, int chunkLength = 0, string type = RecordType.Mp4, bool waitForIdr = false, bool keepAlive = false) =>
        new(1, "cam", file, Path.Combine(_folder, file), type, false, keepAlive, chunkLength, waitForIdr, true, false, true,
            new System.Text.Json.Nodes.JsonObject { ["_id"] = "7" });

    private RecordServices Services(StreamHub hub, IEventPublisher events) =>
        new(hub, new RecordOptions { QueueFrames = 100_000 }, events, new OutboundStreamRegistry(hub, _outputs, _time), RecordServices.OpenForWriting);

    /// <summary>A file whose writes block until <see cref="Release"/>.</summary>
    private sealed class BlockingStream : Stream
    {
        private readonly ManualResetEventSlim _gate = new();
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Entered => _entered.Task;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => 0;

        public override long Position { get => 0; set => throw new NotSupportedException(); }

        public void Release() => _gate.Set();

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _entered.TrySetResult();
            _gate.Wait(TimeSpan.FromSeconds(30));
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            _gate.Set();
            base.Dispose(disposing);
        }
    }
}
