using BenchmarkDotNet.Attributes;
using EmsSharp.Media.Hub;
using EmsSharp.Server.Delivery.Fmp4;
using Microsoft.Extensions.Logging.Abstractions;

namespace EmsSharp.Benchmarks.Fmp4;

/// <summary>
/// Per-viewer cost of the shared fMP4 source: a GOP of 30 framed fragments (one keyframe fragment first,
/// 5 kB each) written once into the source's ring and read by each of N viewers (TryRead). Time per operation
/// = one fragment published and read by all N viewers; divide by N for the per-viewer cost. The socket send
/// each viewer does afterwards is not included.
/// </summary>
[MemoryDiagnoser]
public class Fmp4FanOutBenchmark
{
    private const int FragmentsPerGop = 30;

    private readonly Fmp4Packet[] _fragments = new Fmp4Packet[FragmentsPerGop];
    private StreamHub _hub = null!;
    private LiveStream _stream = null!;
    private Fmp4StreamSource _source = null!;
    private Fmp4Subscription[] _viewers = [];

    [Params(1, 100, 1000)]
    public int Viewers { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _hub = new StreamHub();
        _hub.TryPublish("bench", out var stream);
        _stream = stream!; // no frames: the source's pump idles, the benchmark publishes packets itself
        _source = new Fmp4StreamSource(_stream, new Fmp4SourceOptions(), NullLogger.Instance, null);
        _viewers = new Fmp4Subscription[Viewers];
        for (var i = 0; i < Viewers; i++)
        {
            _viewers[i] = _source.TrySubscribe(queueFragments: 2 * FragmentsPerGop)!;
        }

        for (var i = 0; i < FragmentsPerGop; i++)
        {
            _fragments[i] = new Fmp4Packet(new byte[5_000], isInit: false, startsWithKeyframe: i == 0);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var viewer in _viewers)
        {
            viewer.Dispose();
        }

        _stream.Dispose();
    }

    [Benchmark(OperationsPerInvoke = FragmentsPerGop)]
    public long FanOutGopAndDrainAllViewers()
    {
        foreach (var fragment in _fragments)
        {
            _source.Publish(fragment);
        }

        long bytes = 0;
        foreach (var viewer in _viewers)
        {
            while (viewer.TryRead(out var packet))
            {
                bytes += packet.Length;
            }
        }

        return bytes;
    }
}
