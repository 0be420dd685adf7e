using BenchmarkDotNet.Attributes;
using EmsSharp.Protocols.Srtp;

namespace EmsSharp.Benchmarks;

/// <summary>
/// AES-128-GCM of one packet in place, as SRTP (RFC 7714) protects it: .NET's AesGcm (the baseline) against OpenSSL's
/// EVP interface called directly (<see cref="OpenSslAesGcmCipher"/>), for a full media packet and an RTCP report.
/// </summary>
[MemoryDiagnoser]
public class AesGcmCipherBenchmarks
{
    private readonly byte[] _nonce = new byte[12];
    private readonly byte[] _aad = new byte[12];
    private readonly byte[] _tag = new byte[16];
    private byte[] _data = null!;
    private DotNetAesGcmCipher _dotNet = null!;
    private OpenSslAesGcmCipher _openSsl = null!;

    /// <summary>Payload bytes: a full RTP payload, or an SR with one report block and an SDES CNAME.</summary>
    [Params(1200, 64)]
    public int Length { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        var key = new byte[16];
        random.NextBytes(key);
        random.NextBytes(_nonce);
        random.NextBytes(_aad);
        _data = new byte[Length];
        random.NextBytes(_data);
        _dotNet = new DotNetAesGcmCipher(key);
        _openSsl = new OpenSslAesGcmCipher(key);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _dotNet.Dispose();
        _openSsl.Dispose();
    }

    [Benchmark(Baseline = true, Description = ".NET AesGcm")]
    public byte DotNet()
    {
        _dotNet.Encrypt(_nonce, _data, _tag, _aad);
        return _tag[0];
    }

    [Benchmark(Description = "OpenSSL EVP direct")]
    public byte OpenSsl()
    {
        _openSsl.Encrypt(_nonce, _data, _tag, _aad);
        return _tag[0];
    }
}
