using BenchmarkDotNet.Attributes;
using EmsSharp.Media.Hub;
using EmsSharp.Server.Delivery.Rtp;
using Microsoft.Extensions.Logging.Abstractions;

namespace EmsSharp.Benchmarks.Ring;

/// <summary>
/// Issue 13's stream ring against the queues it replaced, on the srtp path: a 2 s GOP of a 1 Mbit/s, 30 fps stream
/// (a 20 kB keyframe, 59 × 3.9 kB frames, as immutable <see cref="RtpAccessUnit"/>s) is cached, N viewers join (each
/// starting with the cached GOP), then units are published one at a time and every viewer reads one after each, so
/// each stays a GOP behind and none drops (checked at cleanup). Before: <see cref="BaselineRtpFanOut"/> (the source's
/// lock, then every viewer's own lock and queue, per unit). After: <see cref="RtpStreamSource"/> and its
/// <see cref="RtpSubscription"/>s (one ring write per unit, a lock-free read per viewer). Time per operation = one unit
/// to all N viewers; ns per unit per viewer = Mean / N. The setup prints the bytes each viewer holds.
/// </summary>
[MemoryDiagnoser]
public class StreamRingFanOutBenchmark
{
    private const int UnitsPerGop = 60;

    private readonly RtpAccessUnit[] _units = new RtpAccessUnit[UnitsPerGop];
    private LiveStream _stream = null!;
    private RtpStreamSource _source = null!;
    private RtpSubscription[] _viewers = [];
    private BaselineRtpFanOut _baseline = null!;
    private BaselineRtpQueue[] _baselineViewers = [];

    [Params(100, 500)]
    public int Viewers { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        for (var i = 0; i < UnitsPerGop; i++)
        {
            var payload = new byte[i == 0 ? 20_000 : 3_900];
            _units[i] = new RtpAccessUnit(TrackKind.Video, MediaCodec.H264, (uint)(i * 3000), isKeyframe: i == 0, 0,
                [new RtpPayload(payload, Marker: true)], payload.Length);
        }

        var hub = new StreamHub();
        hub.TryPublish("bench", out var stream);
        _stream = stream!; // no frames: the source's pump idles, the benchmark publishes units itself
        _source = new RtpStreamSource(_stream, new RtpSourceOptions(), NullLogger.Instance, null);
        _baseline = new BaselineRtpFanOut();
        _viewers = new RtpSubscription[Viewers];
        _baselineViewers = new BaselineRtpQueue[Viewers];
        foreach (var unit in _units)
        {
            _source.Publish(unit);
            _baseline.Publish(unit);
        }

        // The first viewer starts the source's pump (its hub reader): not part of what a viewer holds.
        _viewers[0] = _source.TrySubscribe()!;
        _baselineViewers[0] = _baseline.Subscribe();
        SpinWait.SpinUntil(() => _stream.GetStats().Readers == 1, TimeSpan.FromSeconds(10));
        var ring = HeldPerViewer(v => _viewers[v] = _source.TrySubscribe()!);
        var queues = HeldPerViewer(v => _baselineViewers[v] = _baseline.Subscribe());
        Console.WriteLine($"// held per viewer with a 2 s GOP of 1 Mbit/s cached: before {queues} B, after {ring} B");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var viewer in _viewers)
        {
            if (viewer.DroppedUnits != 0)
            {
                throw new InvalidOperationException("a ring viewer dropped units");
            }

            viewer.Dispose();
        }

        foreach (var viewer in _baselineViewers)
        {
            if (viewer.DroppedUnits != 0)
            {
                throw new InvalidOperationException("a baseline viewer dropped units");
            }
        }

        _stream.Dispose();
    }

    // Bytes the heap keeps for each of viewers 1..N-1 (their objects and the source's share for them).
    private long HeldPerViewer(Action<int> subscribe)
    {
        var before = GC.GetTotalMemory(forceFullCollection: true);
        for (var v = 1; v < Viewers; v++)
        {
            subscribe(v);
        }

        return (GC.GetTotalMemory(forceFullCollection: true) - before) / (Viewers - 1);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = UnitsPerGop, Description = "before: a queue and a lock per viewer")]
    public long PerViewerQueues() => PublishAndReadAll(new Queues(_baseline, _baselineViewers));

    [Benchmark(OperationsPerInvoke = UnitsPerGop, Description = "after: one stream ring, a cursor per viewer")]
    public long StreamRing() => PublishAndReadAll(new Ring(_source, _viewers));

    // Generic over a struct, so each path is compiled on its own with its calls inlined: no indirection in either.
    private long PublishAndReadAll<TFanOut>(TFanOut fanOut)
        where TFanOut : struct, IFanOut
    {
        long bytes = 0;
        foreach (var unit in _units)
        {
            fanOut.Publish(unit);
            for (var v = 0; v < Viewers; v++)
            {
                bytes += fanOut.Read(v);
            }
        }

        return bytes;
    }

    private interface IFanOut
    {
        void Publish(RtpAccessUnit unit);

        int Read(int viewer);
    }

    private readonly struct Queues(BaselineRtpFanOut source, BaselineRtpQueue[] viewers) : IFanOut
    {
        public void Publish(RtpAccessUnit unit) => source.Publish(unit);

        public int Read(int viewer) => viewers[viewer].TryRead(out var unit) ? unit!.Length : 0;
    }

    private readonly struct Ring(RtpStreamSource source, RtpSubscription[] viewers) : IFanOut
    {
        public void Publish(RtpAccessUnit unit) => source.Publish(unit);

        public int Read(int viewer) => viewers[viewer].TryRead(out var unit) ? unit.Length : 0;
    }
}
