using BenchmarkDotNet.Attributes;
using EmsSharp.Media.Hub;

namespace EmsSharp.Benchmarks.Hub;

/// <summary>
/// Hub fan-out: one publisher, N readers, one GOP of 30 video frames per operation set; each frame is
/// published once and read by every reader. Time per operation = time to deliver one frame to all N readers
/// (so frames/s to N readers = 1 / mean); allocations show the fan-out copies no payload.
/// </summary>
[MemoryDiagnoser]
public class HubFanOutBenchmark
{
    private const int FramesPerGop = 30;

    private readonly MediaFrame[] _frames = new MediaFrame[FramesPerGop];
    private LiveStream _stream = null!;
    private LiveStreamReader[] _readers = [];
    private long _dts;

    [Params(1, 100, 1000)]
    public int Readers { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var hub = new StreamHub();
        hub.TryPublish("bench", out var stream);
        _stream = stream!;
        _stream.SetVideoTrack(new VideoTrackConfig(MediaCodec.H264, new byte[] { 1, 66, 0, 30 }, 640, 360));
        _readers = new LiveStreamReader[Readers];
        for (var i = 0; i < Readers; i++)
        {
            _readers[i] = _stream.CreateReader(2 * FramesPerGop);
        }

        var payload = new byte[2000];
        for (var i = 0; i < FramesPerGop; i++)
        {
            _frames[i] = new MediaFrame(TrackKind.Video, MediaCodec.H264, 0, 0, i == 0, payload);
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _stream.Dispose();

    [Benchmark(OperationsPerInvoke = FramesPerGop)]
    public long PublishGopAndDrainAllReaders()
    {
        for (var i = 0; i < FramesPerGop; i++)
        {
            _dts += 3000;
            _stream.Publish(_frames[i] with { Dts = _dts, Pts = _dts });
        }

        long read = 0;
        foreach (var reader in _readers)
        {
            while (reader.TryRead(out _))
            {
                read++;
            }
        }

        return read;
    }
}
