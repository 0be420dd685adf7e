using BenchmarkDotNet.Attributes;
using EmsSharp.Media.Aac;
using EmsSharp.Media.H264;
using EmsSharp.Media.Hub;
using EmsSharp.Server.Delivery.Fmp4;

namespace EmsSharp.Benchmarks.Fmp4;

/// <summary>
/// Per-stream cost of WS-FMP4 / data channel delivery: one GOP (30 video frames of 5 kB at 30 fps, one
/// keyframe of 40 kB, plus 47 AAC frames of 300 B) through the shared packager — mux into one fragment per
/// video frame and frame the §4.2 packets once. Time per operation = cost per video frame (with its audio),
/// paid once per stream whatever the number of viewers.
/// </summary>
[MemoryDiagnoser]
public class Fmp4PackagingBenchmark
{
    private const int FramesPerGop = 30;

    // libx264 High 1280x720 SPS/PPS.
    private static readonly byte[] Sps = Convert.FromHexString("6764001facd9405005bb011000000300100000030320f1831960");
    private static readonly byte[] Pps = Convert.FromHexString("68ebe3cb22c0");

    private readonly MediaFrame[] _video = new MediaFrame[FramesPerGop];
    private readonly byte[] _audio = new byte[300];
    private VideoTrackConfig _videoConfig = null!;
    private AudioTrackConfig _audioConfig = null!;
    private Fmp4StreamPackager _packager = null!;
    private long _gop;

    [GlobalSetup]
    public void Setup()
    {
        var record = new AvcDecoderConfigurationRecord([Sps], [Pps]);
        var avcC = new byte[record.GetSerializedLength()];
        record.TryWrite(avcC, out _);
        _videoConfig = new VideoTrackConfig(MediaCodec.H264, avcC, 1280, 720);
        _audioConfig = new AudioTrackConfig(MediaCodec.Aac, AudioSpecificConfig.Create(2, 48_000, 2).Raw, 48_000, 2);
        for (var i = 0; i < FramesPerGop; i++)
        {
            var sample = new byte[i == 0 ? 40_000 : 5_000];
            var nal = sample.Length - 4;
            sample[0] = (byte)(nal >> 24);
            sample[1] = (byte)(nal >> 16);
            sample[2] = (byte)(nal >> 8);
            sample[3] = (byte)nal;
            sample[4] = i == 0 ? (byte)0x65 : (byte)0x41;
            _video[i] = new MediaFrame(TrackKind.Video, MediaCodec.H264, 0, 0, i == 0, sample);
        }

        _packager = new Fmp4StreamPackager();
    }

    [Benchmark(OperationsPerInvoke = FramesPerGop)]
    public long PackageGop()
    {
        long bytes = 0;
        var videoBase = _gop * FramesPerGop * 3000;
        var audioBase = _gop * FramesPerGop * 1600;
        var audioIndex = 0L;
        for (var i = 0; i < FramesPerGop; i++)
        {
            var dts = videoBase + (i * 3000L);
            _packager.Push(_video[i] with { Dts = dts, Pts = dts }, _videoConfig, _audioConfig);
            // 48 kHz AAC: 1024 samples per frame, about 1.56 frames per 30 fps video frame.
            while ((audioIndex * 1024) < ((i + 1) * 1600L))
            {
                _packager.Push(new MediaFrame(TrackKind.Audio, MediaCodec.Aac, audioBase + (audioIndex * 1024), 0, true, _audio),
                    _videoConfig, _audioConfig);
                audioIndex++;
            }

            while (_packager.TryPollPacket(out var packet))
            {
                bytes += packet.Length;
            }
        }

        _gop++;
        return bytes;
    }
}
