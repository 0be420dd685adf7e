using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using EmsSharp.Protocols.Srtp;

namespace EmsSharp.Benchmarks;

/// <summary>SRTP/SRTCP protection of one packet in place, per profile (1,200-byte RTP payload).</summary>
[MemoryDiagnoser]
public class SrtpBenchmarks
{
    private const int RtpLength = 12 + 1200;
    private const int RtcpLength = 28 + 24 + 20; // SR with one report block and an SDES CNAME
    private readonly byte[] _rtp = new byte[RtpLength + 16];
    private readonly byte[] _rtcp = new byte[RtcpLength + 20];
    private SrtpContext _aesCm = null!;
    private SrtpContext _gcm = null!;
    private ushort _sequence;

    [GlobalSetup]
    public void Setup()
    {
        _aesCm = Create(0x0001);
        _gcm = Create(0x0007);
        _rtp[0] = 0x80;
        _rtp[1] = 96;
        BinaryPrimitives.WriteUInt32BigEndian(_rtp.AsSpan(8), 0x12345678);
        new Random(1).NextBytes(_rtp.AsSpan(12, 1200));
        _rtcp[0] = 0x81;
        _rtcp[1] = 200;
        BinaryPrimitives.WriteUInt16BigEndian(_rtcp.AsSpan(2), (RtcpLength / 4) - 1);
        BinaryPrimitives.WriteUInt32BigEndian(_rtcp.AsSpan(4), 0x12345678);
    }

    private static SrtpContext Create(ushort profile)
    {
        var material = new byte[SrtpContextFactory.GetKeyingMaterialLength(profile)];
        new Random(profile).NextBytes(material);
        SrtpContextFactory.TryCreate(profile, material, isDtlsClient: false, out var local, out _);
        return local!;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _aesCm.Dispose();
        _gcm.Dispose();
    }

    [Benchmark(Description = "SRTP protect 1200 B, AES_CM_128_HMAC_SHA1_80")]
    public int ProtectRtpAesCm() => ProtectRtp(_aesCm);

    [Benchmark(Description = "SRTP protect 1200 B, AEAD_AES_128_GCM")]
    public int ProtectRtpGcm() => ProtectRtp(_gcm);

    [Benchmark(Description = "SRTCP protect SR+SDES, AES_CM_128_HMAC_SHA1_80")]
    public int ProtectRtcpAesCm() => ProtectRtcp(_aesCm);

    [Benchmark(Description = "SRTCP protect SR+SDES, AEAD_AES_128_GCM")]
    public int ProtectRtcpGcm() => ProtectRtcp(_gcm);

    private int ProtectRtp(SrtpContext context)
    {
        BinaryPrimitives.WriteUInt16BigEndian(_rtp.AsSpan(2), _sequence++);
        context.TryProtectRtp(_rtp, RtpLength, out int length);
        return length;
    }

    private int ProtectRtcp(SrtpContext context)
    {
        context.TryProtectRtcp(_rtcp, RtcpLength, out int length);
        return length;
    }
}
