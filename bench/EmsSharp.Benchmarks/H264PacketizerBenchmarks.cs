using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using EmsSharp.Protocols.Rtp;

namespace EmsSharp.Benchmarks;

/// <summary>RFC 6184 packetization of one access unit into 1,200-byte payloads (STAP-A + FU-A).</summary>
[MemoryDiagnoser]
public class H264PacketizerBenchmarks
{
    private static readonly byte[] Sps = [0x67, 0x42, 0xC0, 0x1F, 0xDA, 0x01, 0x40, 0x16, 0xE8];
    private static readonly byte[] Pps = [0x68, 0xCE, 0x3C, 0x80];
    private readonly byte[] _payload = new byte[H264Packetizer.DefaultMaxPayloadSize];
    private byte[] _keyframe = null!;
    private byte[] _frame = null!;

    [GlobalSetup]
    public void Setup()
    {
        _keyframe = AccessUnit(0x65, 50_000);
        _frame = AccessUnit(0x41, 5_000);
    }

    private static byte[] AccessUnit(byte nalHeader, int size)
    {
        var au = new byte[4 + size];
        new Random(size).NextBytes(au);
        BinaryPrimitives.WriteUInt32BigEndian(au, (uint)size);
        au[4] = nalHeader;
        return au;
    }

    [Benchmark(Description = "H.264 packetize 50 kB keyframe")]
    public int Keyframe50k() => Packetize(_keyframe, true);

    [Benchmark(Description = "H.264 packetize 5 kB frame")]
    public int Frame5k() => Packetize(_frame, false);

    private int Packetize(byte[] accessUnit, bool keyframe)
    {
        H264Packetizer.TryCreate(accessUnit, keyframe, Sps, Pps, H264Packetizer.DefaultMaxPayloadSize, out var packetizer);
        int packets = 0;
        while (packetizer.TryWriteNext(_payload, out _, out _))
        {
            packets++;
        }
        return packets;
    }
}
