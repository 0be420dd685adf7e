using BenchmarkDotNet.Attributes;
using EmsSharp.Media.Aac;
using EmsSharp.Media.H264;
using EmsSharp.Media.Hub;
using EmsSharp.Media.Ts;

namespace EmsSharp.Benchmarks.Ts;

/// <summary>
/// What a ts recording costs per frame: one second of a 30 fps stream (a keyframe first, 5 kB access units) and its
/// AAC (47 frames of 300 B at 48 kHz) muxed into transport packets, the PAT/PMT included. Time per operation = one frame.
/// </summary>
[MemoryDiagnoser]
public class TsMuxerBenchmark
{
    private readonly List<MediaFrame> _frames = [];
    private TsMuxer _muxer = null!;

    [GlobalSetup]
    public void Setup()
    {
        // libx264 High 1280x720 SPS/PPS.
        var record = new AvcDecoderConfigurationRecord([Convert.FromHexString("6764001facd9405005bb011000000300100000030320f1831960")],
            [Convert.FromHexString("68ebe3cb22c0")]);
        var avcC = new byte[record.GetSerializedLength()];
        record.TryWrite(avcC, out _);
        _muxer = new TsMuxer(new VideoTrackConfig(MediaCodec.H264, avcC, 1280, 720),
            new AudioTrackConfig(MediaCodec.Aac, AudioSpecificConfig.Create(2, 48_000, 2).Raw, 48_000, 2));
        for (var i = 0; i < 30; i++)
        {
            var unit = new byte[5_000];
            unit[2] = (5_000 - 4) >> 8;
            unit[3] = unchecked((byte)(5_000 - 4));
            unit[4] = i == 0 ? (byte)0x65 : (byte)0x41;
            _frames.Add(new MediaFrame(TrackKind.Video, MediaCodec.H264, i * 3000L, i * 3000L, i == 0, unit));
        }

        for (var i = 0; i < 47; i++)
        {
            _frames.Add(new MediaFrame(TrackKind.Audio, MediaCodec.Aac, i * 1024L, i * 1024L, true, new byte[300]));
        }

        _frames.Sort(static (a, b) => Time(a).CompareTo(Time(b))); // interleaved as a publisher sends them
    }

    [Benchmark(OperationsPerInvoke = 77)]
    public int MuxOneSecond()
    {
        var bytes = 0;
        foreach (var frame in _frames)
        {
            _muxer.Write(frame);
            bytes += _muxer.Packets.Length;
        }

        return bytes;
    }

    private static long Time(MediaFrame frame) => frame.Kind == TrackKind.Video ? frame.Dts : frame.Dts * 90_000 / 48_000;
}
