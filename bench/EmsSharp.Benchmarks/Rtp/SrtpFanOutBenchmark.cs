using BenchmarkDotNet.Attributes;
using EmsSharp.Media.Hub;
using EmsSharp.Protocols.Rtp;
using EmsSharp.Protocols.Srtp;
using EmsSharp.Server.Delivery.Rtp;

namespace EmsSharp.Benchmarks.Rtp;

/// <summary>
/// The srtp fan-out path without sockets: one GOP (a 20 kB keyframe, 29 × 3.5 kB frames: 105 RTP packets) packetized
/// once per stream (<see cref="RtpAccessUnitPackager"/>), then for each of N viewers every shared payload written
/// with the viewer's header and protected (AEAD_AES_128_GCM, mid and abs-send-time extensions; the send history keeps
/// references). ns per viewer-packet = Mean / (105 × N). Before the shared source each viewer packetized every access
/// unit itself and its history copied each packet (512 × 1,500 B per viewer): the baseline method re-creates that
/// work (per-viewer packetization, a 1,500 B slot copy per packet) so both run under the same machine load.
/// </summary>
[MemoryDiagnoser]
public class SrtpFanOutBenchmark
{
    private const int Frames = 30;
    private readonly byte[][] _accessUnits = new byte[Frames][];
    private readonly byte[] _sps = [0x67, 0x42, 0xC0, 0x1F, 0xDA, 0x01, 0x40, 0x16, 0xEC, 0x04, 0x40];
    private readonly byte[] _pps = [0x68, 0xCE, 0x3C, 0x80];
    private readonly RtpAccessUnitPackager _packager = new();
    private VideoTrackConfig _video = null!;
    private RtpTrackSender[] _senders = [];
    private SrtpContext[] _contexts = [];
    private byte[] _packet = [];
    private byte[] _payload = [];
    private byte[][] _copyHistories = [];

    [Params(1, 100)]
    public int Viewers { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        for (var i = 0; i < Frames; i++)
        {
            var size = i == 0 ? 20_000 : 3_500;
            var au = new byte[4 + size];
            random.NextBytes(au);
            au[0] = (byte)(size >> 24);
            au[1] = (byte)(size >> 16);
            au[2] = (byte)(size >> 8);
            au[3] = (byte)size;
            au[4] = i == 0 ? (byte)0x65 : (byte)0x41;
            _accessUnits[i] = au;
        }

        _contexts = new SrtpContext[Viewers];
        _senders = new RtpTrackSender[Viewers];
        for (var v = 0; v < Viewers; v++)
        {
            var material = new byte[SrtpContextFactory.GetKeyingMaterialLength(0x0007)];
            random.NextBytes(material);
            SrtpContextFactory.TryCreate(0x0007, material, isDtlsClient: false, out var local, out _);
            _contexts[v] = local!;
            _senders[v] = new RtpTrackSender(new RtpTrackSenderOptions
            {
                Ssrc = (uint)(1000 + v),
                PayloadType = 102,
                ClockRate = 90000,
                InitialSequenceNumber = (ushort)v,
                TimestampOffset = (uint)v * 7,
                Mid = "0",
                MidExtensionId = 1,
                AbsSendTimeExtensionId = 2,
            }, local!);
        }

        var record = new EmsSharp.Media.H264.AvcDecoderConfigurationRecord([_sps], [_pps]);
        var avcC = new byte[record.GetSerializedLength()];
        record.TryWrite(avcC, out _);
        _video = new VideoTrackConfig(MediaCodec.H264, avcC, 640, 360);
        _packet = new byte[_senders[0].RequiredBufferSize];
        _payload = new byte[H264Packetizer.DefaultMaxPayloadSize];
        _copyHistories = new byte[Viewers][];
        for (var v = 0; v < Viewers; v++)
        {
            _copyHistories[v] = new byte[512 * 1500];
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var context in _contexts)
        {
            context.Dispose();
        }
    }

    [Benchmark(Baseline = true, Description = "before: packetized per viewer, 1,500 B history copies")]
    public long PerViewerPacketization()
    {
        long bytes = 0;
        var now = TimeSpan.FromSeconds(1);
        for (var f = 0; f < Frames; f++)
        {
            for (var v = 0; v < _senders.Length; v++)
            {
                if (!H264Packetizer.TryCreate(_accessUnits[f], f == 0, _sps, _pps, _payload.Length, out var packetizer))
                {
                    continue;
                }

                var history = _copyHistories[v];
                while (packetizer.TryWriteNext(_payload, out var length, out var marker))
                {
                    if (_senders[v].TryWritePacket(_payload.AsMemory(0, length), marker, (uint)(f * 3000), now, _packet, out var written))
                    {
                        _packet.AsSpan(0, written).CopyTo(history.AsSpan((int)(bytes / 1200 % 512) * 1500));
                        bytes += written;
                    }
                }
            }
        }

        return bytes;
    }

    [Benchmark(Description = "after: packetized once per stream, shared payloads")]
    public long SharedPacketization()
    {
        long bytes = 0;
        var now = TimeSpan.FromSeconds(1);
        for (var f = 0; f < Frames; f++)
        {
            var frame = new MediaFrame(TrackKind.Video, MediaCodec.H264, f * 3000, f * 3000, f == 0, _accessUnits[f]);
            if (!_packager.TryPackage(frame, _video, 0, out var unit))
            {
                continue;
            }

            foreach (var sender in _senders)
            {
                var payloads = unit!.Payloads;
                for (var i = 0; i < payloads.Count; i++)
                {
                    if (sender.TryWritePacket(payloads[i].Bytes, payloads[i].Marker, unit.Timestamp, now, _packet, out var written))
                    {
                        bytes += written;
                    }
                }
            }
        }

        return bytes;
    }
}
