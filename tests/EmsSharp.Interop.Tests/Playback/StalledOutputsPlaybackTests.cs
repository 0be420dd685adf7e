using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using EmsSharp.Interop.Tests.Ingest;
using EmsSharp.Interop.Tests.Nat;
using EmsSharp.Media.Hub;
using EmsSharp.Server.Ingest;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace EmsSharp.Interop.Tests.Playback;

/// <summary>
/// Issue 16: a slow HLS disk or a stalled push never adds latency to WebRTC viewers of the same stream, nor holds up the
/// publisher. Real blocked writers, no mocks: ffmpeg publishes H.264+AAC over RTMP to ems A (the playback rig, in this
/// process), Chromium plays it over WebRTC (srtp) through the rig's ers, and A writes it as HLS (createHLSStream) and a
/// recording (record) onto an ext4 file system of its own (<see cref="FreezableDisk"/>) and pushes it over RTMP to ems B,
/// a separate process. Then the disk is frozen (fsfreeze: every write there blocks in the kernel) and B is stopped
/// (SIGSTOP: its socket stays open, the kernel buffers fill, A's send blocks). Each output reads the hub through its own
/// bounded reader and drops to the next keyframe when it lags, so during the stall the viewer must go on as in the
/// baseline: it decodes at the source's rate, the server-added latency (getDeliveryStats, hub arrival to the viewer's
/// last packet of a frame) keeps its p99 under 50 ms, neither the ingest's frame counter nor the page's decoded frames
/// stand still, and the ingest keeps the source's rate. The stalled outputs show it: HLS and record read nothing more, the push's
/// send times out (Ingest:RtmpSendTimeout, 10 s). After thawing and SIGCONT both recover within a timeout: HLS writes
/// new segments (and counts what it dropped), record writes again, A publishes to B again and B's stream advances.
/// </summary>
[Collection(PlaybackAloneCollection.Name)]
public sealed class StalledOutputsPlaybackTests(ITestOutputHelper output)
{
    private const int SourceFps = 30;

    // The source is a constant 8 Mbit/s (x264 nal-hrd=cbr, filler data, as broadcast encoders send to RTMP ingests):
    // loopback TCP buffers about 4 MB between A and a stopped B (sender's autotuned send buffer and B's receive
    // buffer), so at 1 MB/s A's send blocks about 4 s into the stall; at the test source's 0.85 Mbit/s it would take
    // 40 s. The filler NAL units go to HLS, record and the push; RTP drops them (RFC 6184 §5.1 leaves that to the
    // sender), so the viewer gets the plain video.
    private static readonly string[] ConstantBitrate =
        ["-b:v", "8M", "-minrate", "8M", "-maxrate", "8M", "-bufsize", "2M", "-x264-params", "nal-hrd=cbr"];

    private static readonly TimeSpan Baseline = TimeSpan.FromSeconds(5);

    // At least the time HLS's reader (Hls:ReaderCapacity, 600 frames) takes to overflow at 30 video + 47 audio frames/s
    // (7.8 s), so HLS must drop and count; the push's send timeout (10 s after its buffers filled) usually ends it later.
    private static readonly TimeSpan MinimumStall = TimeSpan.FromSeconds(10);

    // From the freeze on, HLS has at most one segment (1 s, cut at the next 1 s keyframe) to finish before it writes and
    // blocks, and record blocks on its first 64 KB buffer flush: past this, neither may read a frame more.
    private static readonly TimeSpan SettleAfterFreeze = TimeSpan.FromSeconds(3);

    private static readonly TimeSpan SampleEvery = TimeSpan.FromMilliseconds(200);

    [Fact]
    public async Task A_frozen_hls_disk_and_a_stopped_push_target_add_no_latency_to_webrtc_viewers_and_both_recover()
    {
        var disk = FreezableDisk.Create(256);
        var folderB = Path.Combine(Path.GetTempPath(), "ems-stalled-b-" + Guid.NewGuid().ToString("N"));
        PlaybackRig? rig = null;
        LoggedProcess? b = null;
        FfmpegProcess? publisher = null;
        var bStopped = false;
        try
        {
            rig = await PlaybackRig.StartAsync("--Hls:MediaFolder", disk.MountPoint);
            var (portB, rtspB, httpB) = (FreePort.Get(), FreePort.Get(), FreePort.Get());
            b = EmsProcess.Start("ems-b", folderB, portB, rtspB, httpB);
            using var apiB = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpB}/") };
            await b.WaitForLineAsync(" started; data folder", TimeSpan.FromSeconds(60));

            var rtmpA = rig.Ems.Services.GetRequiredService<RtmpServer>().LocalEndPoint!.Port;
            publisher = FfmpegProcess.Start(FfmpegProcess.TestSourceArguments(180, $"rtmp://127.0.0.1:{rtmpA}/live/cam", ConstantBitrate));
            Assert.True(await rig.Ems.Services.GetRequiredService<StreamHub>().WaitForStreamAsync("cam", TimeSpan.FromSeconds(30)) is not null,
                "no stream cam on A; ffmpeg said: " + publisher.Stderr);

            // The outputs as a user makes them (keepAlive is their default), HLS and record on the disk that will freeze.
            var segments = Path.Combine(disk.MountPoint, "hls", "cam");
            await CommandAsync(rig.Api, "createHLSStream?localStreamNames=cam&targetFolder=hls&chunkLength=1&playlistType=rolling");
            await CommandAsync(rig.Api, "record?localStreamName=cam&pathToFile=" + Uri.EscapeDataString(Path.Combine(disk.MountPoint, "record", "cam.mp4")));
            var push = await CommandAsync(rig.Api, $"pushStream?uri={Uri.EscapeDataString($"rtmp://127.0.0.1:{portB}/live")}&localStreamName=cam&targetStreamName=x");
            var pushConfigId = push.GetProperty("configId").GetInt64();

            await rig.StartWebrtcAsync();
            var page = rig.Chromium.Page;
            await page.GotoAsync(rig.PlayerUrl("cam", "srtp"));
            await PlaybackRig.WaitForStatsAsync(page, s => s.GetProperty("framesDecoded").GetInt32() >= SourceFps, TimeSpan.FromSeconds(30), rig);
            await b.WaitForLineAsync("publishes x (app live)", TimeSpan.FromSeconds(30));
            var streamB = await WaitForAsync("B to receive the push", () => StreamOnBAsync(apiB, previousId: 0), TimeSpan.FromSeconds(30), rig, b);
            await WaitForAsync("a segment on disk", () => Task.FromResult(LastSegment(segments) > 0 ? (long?)1 : null), TimeSpan.FromSeconds(30), rig, b);

            // (1) Baseline: the disk and B healthy.
            var baseline = await ObserveAsync("baseline", rig, page, Baseline, until: null, TimeSpan.FromSeconds(30));

            // (2) The stall: every write to the disk blocks, B takes nothing more. It lasts until the push's send timed out
            // (its configuration leaves Streaming), and at least MinimumStall.
            disk.Freeze();
            var segmentBefore = LastSegment(segments); // fsfreeze returns once the writes under way finished: the last before the stall
            HostCommand.Run(HostCommand.Tool("kill"), ["-STOP", b.Id.ToString(CultureInfo.InvariantCulture)]);
            bStopped = true;
            var threadsBefore = ThreadPool.ThreadCount;
            Window stalled;
            string stillness;
            using (var heartbeats = new Heartbeats())
            {
                stalled = await ObserveAsync("stalled", rig, page, MinimumStall,
                    async () => await PushStatusAsync(rig.Api, pushConfigId) != 0, TimeSpan.FromSeconds(45));
                stillness = heartbeats.ToString();
            }

            var settled = stalled.Samples.First(s => s.At >= SettleAfterFreeze);
            var last = stalled.Samples[^1];
            var blocked = BlockedThreads();
            var diagnosis = $"{stillness}; thread pool: {threadsBefore} threads before the stall, {ThreadPool.ThreadCount} at its end; "
                + $"threads of this process (ems A) blocked in the kernel at its end:\n{blocked}";
            output.WriteLine(diagnosis);
            Report(baseline);
            Report(stalled);
            // The recording writes on its own disk thread, which the frozen disk holds: it reads nothing more. HLS only queues
            // its files for its writer thread (Hls:MaxPendingWriteBytes), so its read loop, segmenter and in-memory playlist
            // (what LL-HLS clients are served) go on, and its reader never falls behind.
            var (recordPackets, _) = settled.Outputs["OFMP4"];
            Assert.True(last.Outputs.TryGetValue("OFMP4", out var recordEnd) && recordEnd.Packets == recordPackets,
                $"record went on reading on a frozen disk: {recordPackets} packets {SettleAfterFreeze.TotalSeconds:0} s into the stall, {recordEnd.Packets} at its end");
            Assert.True(last.Outputs.TryGetValue("OFHLS", out var hlsEnd) && hlsEnd.Packets > settled.Outputs["OFHLS"].Packets,
                $"HLS stopped reading while its disk was frozen: {settled.Outputs["OFHLS"].Packets} packets {SettleAfterFreeze.TotalSeconds:0} s into the stall, {hlsEnd.Packets} at its end");

            // The viewer and the publisher never noticed.
            foreach (var window in (Window[])[baseline, stalled])
            {
                Assert.True(window.IngestFps >= SourceFps * 0.9, $"{window.Name}: the publisher was held up: {window}");
                Assert.True(window.DecodedFps >= SourceFps * 0.9, $"{window.Name}: the viewer decoded below the source's rate: {window}");
                Assert.True(window.SrtpFrames >= window.Seconds * SourceFps * 0.9, $"{window.Name}: too few frames delivered over srtp: {window}");
            }

            // A writer that ties up the thread pool (a blocking write on a pool thread: the bug this test found) stalls the
            // ingest's reads and the delivery for as long as the pool takes to add a thread (0.6-2 s seen, 4 runs of 4).
            // The cause is checked directly: no pool worker is blocked in the kernel, only the outputs' own disk threads.
            Assert.DoesNotContain(".NET TP Worker", blocked, StringComparison.Ordinal);

            // 50 ms is a frame and a half at 30 fps: a viewer that waited for a blocked write would show seconds. The
            // longest time the ingest's frame counter or the page's decoded frames stood still (sampled every 200 ms) must
            // stay under 1 s. With the writers on their own threads it was 17-24 ms in four runs, but 805 ms once in CI
            // (and 853 ms once in a loaded run): the thread pool stood still that long while only the outputs' own threads
            // were blocked on the disk (the heartbeats and the kernel stacks say so); its cause is open (issue 16's note).
            Assert.True(stalled.SrtpP99Ms < 50, $"server-added latency p99 during the stall: {stalled}\n{diagnosis}");
            Assert.True(stalled.LongestIngestGapMs < 1000, $"the publisher was held up (ingest stood still): {stalled}\n{diagnosis}");
            Assert.True(stalled.LongestDecodeGapMs < 1000, $"the viewer stood still: {stalled}\n{diagnosis}");

            // (3) Thaw and SIGCONT: HLS writes the segments it queued and new ones (its reader dropped nothing), record
            // writes again, the push publishes to B again and B's stream advances.
            disk.Thaw();
            HostCommand.Run(HostCommand.Tool("kill"), ["-CONT", b.Id.ToString(CultureInfo.InvariantCulture)]);
            bStopped = false;
            var recovery = Stopwatch.StartNew();
            await WaitForAsync("HLS to write a new segment", () => Task.FromResult(LastSegment(segments) > segmentBefore ? (long?)1 : null),
                TimeSpan.FromSeconds(30), rig, b);
            var hlsAt = recovery.Elapsed;
            await WaitForAsync("record to read again", async () => (await SampleServerAsync(rig.Api)).Outputs.TryGetValue("OFMP4", out var r)
                && r.Packets > last.Outputs["OFMP4"].Packets ? (long?)r.Packets : null, TimeSpan.FromSeconds(30), rig, b);
            var recordAt = recovery.Elapsed;
            var resumed = await WaitForAsync("the push to publish to B again", () => StreamOnBAsync(apiB, previousId: streamB),
                TimeSpan.FromSeconds(30), rig, b);
            output.WriteLine($"recovery after thaw/SIGCONT: HLS segment in {hlsAt.TotalSeconds:0.0} s, record in {recordAt.TotalSeconds:0.0} s, "
                + $"B's new stream {resumed} advancing in {recovery.Elapsed.TotalSeconds:0.0} s");
            var after = await SampleServerAsync(rig.Api);
            output.WriteLine("outputs after recovery (packets, droppedFrames): "
                + string.Join(", ", after.Outputs.Select(o => $"{o.Key} {o.Value.Packets}/{o.Value.Dropped}")));
            // HLS's reader dropped no frame from the stall's start on (a frame or so may have gone at its start, before it).
            Assert.Equal(stalled.Samples[0].Outputs["OFHLS"].Dropped, after.Outputs["OFHLS"].Dropped);
            Assert.Equal(0, await PushStatusAsync(rig.Api, pushConfigId));
            Assert.False(publisher.HasExited, "the publisher stopped: " + publisher.Stderr);
        }
        finally
        {
            // Thaw first: anything else could block on the frozen disk (A's outputs stopping, the unmount).
            disk.Thaw();
            if (bStopped)
                HostCommand.Run(HostCommand.Tool("kill"), ["-CONT", b!.Id.ToString(CultureInfo.InvariantCulture)]);
            publisher?.Dispose();
            b?.Dispose();
            if (rig is not null)
                await rig.DisposeAsync();
            disk.Dispose();
            if (Directory.Exists(folderB))
                Directory.Delete(folderB, recursive: true);
        }
    }

    /// <summary>One observation window: its samples (about every <see cref="SampleEvery"/>) and what they add up to.</summary>
    private sealed record Window(string Name, double Seconds, IReadOnlyList<Sample> Samples, double SrtpFrames, double SrtpP50Ms, double SrtpP99Ms, double SrtpMaxMs)
    {
        public double IngestFps => (Samples[^1].IngestFrames - Samples[0].IngestFrames) / Seconds;

        public double DecodedFps => (Samples[^1].Page.FramesDecoded - Samples[0].Page.FramesDecoded) / Seconds;

        /// <summary>
        /// The mean time a frame waited in the page's jitter buffer over the window (W3C webrtc-stats jitterBufferDelay),
        /// printed, not asserted: Chromium's estimator raises it for many seconds after a join whether or not anything
        /// stalls (seen from 10 to 125 ms over the 20 s of the two windows with the stall's writers off the thread pool).
        /// </summary>
        public double JitterBufferMs
        {
            get
            {
                var emitted = Samples[^1].Page.Emitted - Samples[0].Page.Emitted;
                return emitted == 0 ? double.NaN : (Samples[^1].Page.JitterBufferDelay - Samples[0].Page.JitterBufferDelay) * 1000 / emitted;
            }
        }

        public double LongestIngestGapMs => LongestGap(s => s.IngestFrames);

        public double LongestDecodeGapMs => LongestGap(s => s.Page.FramesDecoded);

        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"{Name} {Seconds:0.0} s: ingest {IngestFps:0.0} fps (longest gap {LongestIngestGapMs:0} ms), decoded {DecodedFps:0.0} fps "
            + $"(longest gap {LongestDecodeGapMs:0} ms), page jitter buffer {JitterBufferMs:0.0} ms, server-added srtp p50 {SrtpP50Ms:0.00} ms "
            + $"p99 {SrtpP99Ms:0.00} ms max {SrtpMaxMs:0.00} ms over {SrtpFrames} frames");

        // The longest time between two samples that saw the counter rise, minus one sampling interval (a counter that rises
        // between every two samples has no gap).
        private double LongestGap(Func<Sample, double> counter)
        {
            var longest = 0.0;
            var since = Samples[0];
            foreach (var sample in Samples.Skip(1))
            {
                if (counter(sample) > counter(since))
                {
                    longest = Math.Max(longest, (sample.At - since.At).TotalMilliseconds - SampleEvery.TotalMilliseconds);
                    since = sample;
                }
            }

            return Math.Max(longest, (Samples[^1].At - since.At).TotalMilliseconds - SampleEvery.TotalMilliseconds);
        }
    }

    /// <summary>
    /// How long this process (ems A) stood still, for a failure's diagnosis: a dedicated thread and a thread-pool loop each
    /// wake every 10 ms and keep their longest wait beyond that. The pool's alone long means it was tied up (blocked
    /// workers); both long, that the machine did not run the process.
    /// </summary>
    private sealed class Heartbeats : IDisposable
    {
        private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(10);
        private readonly CancellationTokenSource _stop = new();
        private readonly Thread _thread;
        private readonly Task _pool;
        private long _threadTicks;
        private long _poolTicks;

        public Heartbeats()
        {
            _thread = new Thread(() =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    var start = Stopwatch.GetTimestamp();
                    Thread.Sleep(Period);
                    Record(ref _threadTicks, start);
                }
            })
            { IsBackground = true, Name = "heartbeat" };
            _thread.Start();
            _pool = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    var start = Stopwatch.GetTimestamp();
                    await Task.Delay(Period, CancellationToken.None);
                    Record(ref _poolTicks, start);
                }
            });
        }

        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"longest stand-still in ems A: thread pool {TimeSpan.FromTicks(Volatile.Read(ref _poolTicks)).TotalMilliseconds:0} ms, "
            + $"a dedicated thread {TimeSpan.FromTicks(Volatile.Read(ref _threadTicks)).TotalMilliseconds:0} ms");

        public void Dispose()
        {
            _stop.Cancel();
            _thread.Join();
            _pool.GetAwaiter().GetResult();
            _stop.Dispose();
        }

        private static void Record(ref long longest, long start)
        {
            var late = (Stopwatch.GetElapsedTime(start) - Period).Ticks;
            if (late > Volatile.Read(ref longest))
                Volatile.Write(ref longest, late);
        }
    }

    /// <summary>One look at A and the page, <see cref="At"/> into its window.</summary>
    private sealed record Sample(TimeSpan At, double IngestFrames, IReadOnlyDictionary<string, (long Packets, long Dropped)> Outputs, PageStats Page);

    private sealed record ServerSample(double IngestFrames, Dictionary<string, (long Packets, long Dropped)> Outputs);

    private sealed record PageStats(double FramesDecoded, double JitterBufferDelay, double Emitted);

    private void Report(Window window)
    {
        output.WriteLine(window.ToString());
        output.WriteLine($"  outputs at its start and end (packets/droppedFrames): "
            + string.Join(", ", window.Samples[0].Outputs.Select(o => $"{o.Key} {o.Value.Packets}/{o.Value.Dropped} -> "
                + (window.Samples[^1].Outputs.TryGetValue(o.Key, out var end) ? $"{end.Packets}/{end.Dropped}" : "closed"))));
    }

    // Samples A's counters and the page until `minimum` passed and `until` holds (failing at `timeout`), then reads the
    // window's server-added latency (getDeliveryStats, reset at the window's start).
    private static async Task<Window> ObserveAsync(string name, PlaybackRig rig, IPage page, TimeSpan minimum, Func<Task<bool>>? until, TimeSpan timeout)
    {
        await CommandAsync(rig.Api, "getDeliveryStats?reset=1");
        var clock = Stopwatch.StartNew();
        var samples = new List<Sample>();
        while (true)
        {
            var server = await SampleServerAsync(rig.Api);
            var json = await page.EvaluateAsync<string>(PageStatsScript);
            var stats = JsonSerializer.Deserialize<PageStats>(json, JsonSerializerOptions.Web)!;
            samples.Add(new Sample(clock.Elapsed, server.IngestFrames, server.Outputs, stats));
            if (clock.Elapsed >= minimum && (until is null || await until()))
                break;
            Assert.True(clock.Elapsed < timeout, $"{name}: the window did not end within {timeout}; last server log lines:\n{rig.Log.Tail(30)}");
            await Task.Delay(SampleEvery);
        }

        var seconds = clock.Elapsed.TotalSeconds;
        var srtp = (await CommandAsync(rig.Api, "getDeliveryStats?reset=1")).GetProperty("srtp");
        return new Window(name, seconds, samples, srtp.GetProperty("count").GetInt64(),
            srtp.GetProperty("p50Us").GetDouble() / 1000, srtp.GetProperty("p99Us").GetDouble() / 1000, srtp.GetProperty("maxUs").GetDouble() / 1000);
    }

    // listStreams: the ingest's video frames and each output of cam (by type tag) with its packets and droppedFrames.
    private static async Task<ServerSample> SampleServerAsync(HttpClient api)
    {
        var ingest = 0.0;
        var outputs = new Dictionary<string, (long, long)>();
        foreach (var stream in (await CommandAsync(api, "listStreams")).EnumerateArray())
        {
            if (stream.GetProperty("name").GetString() != "cam")
                continue;
            if (stream.TryGetProperty("inStreamUniqueId", out _))
                outputs[stream.GetProperty("type").GetString()!] = (stream.GetProperty("packets").GetInt64(), stream.GetProperty("droppedFrames").GetInt64());
            else
                ingest = stream.GetProperty("videoFrames").GetDouble();
        }

        return new ServerSample(ingest, outputs);
    }

    // The push's configuration status code on A (0: streaming).
    private static async Task<int> PushStatusAsync(HttpClient api, long configId) =>
        (await CommandAsync(api, $"getConfigInfo?id={configId}")).GetProperty("status").GetProperty("current").GetProperty("code").GetInt32();

    // B's stream x once it is another publication than previousId and has advanced a second's worth of video: its id.
    private static async Task<long?> StreamOnBAsync(HttpClient apiB, long previousId)
    {
        foreach (var stream in (await CommandAsync(apiB, "listStreams")).EnumerateArray())
        {
            var id = stream.GetProperty("uniqueId").GetInt64();
            if (stream.GetProperty("name").GetString() == "x" && id != previousId && stream.GetProperty("videoFrames").GetInt64() >= SourceFps)
                return id;
        }

        return null;
    }

    // This process's threads in uninterruptible sleep (state D: a write to the frozen disk), each with its name and kernel
    // stack (/proc/self/task/<tid>/stack, root only): which threads a blocked writer holds, pool workers or its own.
    private static string BlockedThreads()
    {
        var lines = new List<string>();
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                var stat = File.ReadAllText(Path.Combine(task, "stat"));
                if (stat[(stat.LastIndexOf(')') + 2)..].StartsWith('D'))
                {
                    var stack = File.ReadAllLines(Path.Combine(task, "stack")).Select(l => l[(l.IndexOf(']') + 2)..].Split('+')[0]);
                    lines.Add($"  {File.ReadAllText(Path.Combine(task, "comm")).Trim()}: {string.Join(" < ", stack.Take(4))}");
                }
            }
            catch (IOException)
            {
                // the thread ended meanwhile
            }
        }

        return lines.Count == 0 ? "  none" : string.Join('\n', lines);
    }

    // The highest segment number HLS wrote to disk (segment_<n>.m4s), 0 when none.
    private static long LastSegment(string folder) =>
        Directory.Exists(folder)
            ? Directory.EnumerateFiles(folder, "segment_*.m4s")
                .Select(f => long.Parse(Path.GetFileNameWithoutExtension(f)["segment_".Length..], CultureInfo.InvariantCulture))
                .DefaultIfEmpty(0).Max()
            : 0;

    // Polls `probe` until it answers, failing at the deadline with both servers' recent log lines.
    private static async Task<long> WaitForAsync(string what, Func<Task<long?>> probe, TimeSpan timeout, PlaybackRig rig, LoggedProcess b)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (await probe() is { } value)
                return value;
            Assert.True(clock.Elapsed < timeout, $"waited {timeout} for {what}; A's last log lines:\n{rig.Log.Tail(30)}\nB's:\n{b.Tail(20)}");
            await Task.Delay(SampleEvery);
        }
    }

    // Runs an API command over A's or B's HTTP API and returns its data, failing unless it succeeded.
    private static async Task<JsonElement> CommandAsync(HttpClient api, string pathAndQuery)
    {
        var reply = await api.GetFromJsonAsync<JsonElement>(new Uri(pathAndQuery, UriKind.Relative));
        Assert.True(reply.GetProperty("status").GetString() == "SUCCESS", $"{pathAndQuery}: {reply}");
        return reply.GetProperty("data").Clone();
    }

    // The viewer's inbound video (W3C webrtc-stats RTCInboundRtpStreamStats): frames decoded, and the jitter buffer's
    // summed delay (s) over the frames it emitted.
    private const string PageStatsScript = """
        async () => {
          const pc = window.player && window.player.pc;
          let v = {};
          if (pc) (await pc.getStats()).forEach(s => { if (s.type === 'inbound-rtp' && s.kind === 'video') v = s; });
          return JSON.stringify({ framesDecoded: v.framesDecoded || 0, jitterBufferDelay: v.jitterBufferDelay || 0, emitted: v.jitterBufferEmittedCount || 0 });
        }
        """;
}
