using System.Net;
using System.Text;
using BenchmarkDotNet.Attributes;
using EmsSharp.Protocols.Stun;

namespace EmsSharp.Benchmarks;

/// <summary>
/// The STUN work of one ICE connectivity check or consent request (RFC 8445 §7.3, RFC 7675): parse a browser's
/// Binding request (USERNAME, PRIORITY, ICE-CONTROLLED, MESSAGE-INTEGRITY, FINGERPRINT), verify it, and write the
/// success response with XOR-MAPPED-ADDRESS.
/// </summary>
[MemoryDiagnoser]
public class StunBenchmarks
{
    private readonly byte[] _key = Encoding.UTF8.GetBytes("server-ice-password-24chars");
    private readonly byte[] _response = new byte[StunMessage.MaxLength];
    private readonly IPEndPoint _from = new(IPAddress.Loopback, 50000);
    private byte[] _request = [];

    [GlobalSetup]
    public void Setup()
    {
        var request = new StunMessage(StunClass.Request, StunMessage.BindingMethod, StunMessage.NewTransactionId())
        {
            IntegrityKey = _key,
            AddFingerprint = true,
        };
        request.AddUsername("srvUfrag:brwsrUfr");
        request.AddUInt32(StunAttributeType.Priority, 1845501695);
        request.AddUInt64(StunAttributeType.IceControlled, 0x0123456789ABCDEF);
        var buffer = new byte[StunMessage.MaxLength];
        request.TryWrite(buffer, out var written);
        _request = buffer[..written];
    }

    [Benchmark(Description = "STUN parse + verify FINGERPRINT and MESSAGE-INTEGRITY")]
    public bool ParseAndVerify() =>
        StunMessage.TryRead(_request, out var message, out _)
        && StunMessage.VerifyFingerprint(_request, message!)
        && StunMessage.VerifyIntegrity(_request, message!, _key);

    [Benchmark(Description = "STUN Binding success response, written")]
    public int WriteResponse()
    {
        StunMessage.TryRead(_request, out var request, out _);
        var response = new StunMessage(StunClass.SuccessResponse, StunMessage.BindingMethod, request!.TransactionId)
        {
            IntegrityKey = _key,
            AddFingerprint = true,
        };
        response.AddXorMappedAddress(_from);
        response.TryWrite(_response, out var written);
        return written;
    }
}
