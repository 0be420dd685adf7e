using System.Net;
using System.Text;
using EmsSharp.Protocols.Stun;

namespace EmsSharp.Protocols.Tests.Stun;

public sealed class StunMessageTests
{
    private const string Password = "VOkJxbRl1RmTxUk/WvJxBt";

    // RFC 5769 §2.1 Sample Request.
    private const string Rfc5769SampleRequest =
        "00 01 00 58 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae 80 22 00 10 53 54 55 4e 20 74 65 73 74 20 63 6c " +
        "69 65 6e 74 00 24 00 04 6e 00 01 ff 80 29 00 08 93 2f f9 b1 51 26 3b 36 00 06 00 09 65 76 74 6a 3a 68 36 76 " +
        "59 20 20 20 00 08 00 14 9a ea a7 0c bf d8 cb 56 78 1e f2 b5 b2 d3 f2 49 c1 b5 71 a2 80 28 00 04 e5 7a 3b cf";

    // RFC 5769 §2.2 Sample IPv4 Response.
    private const string Rfc5769SampleIpv4Response =
        "01 01 00 3c 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae 80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20 " +
        "00 20 00 08 00 01 a1 47 e1 12 a6 43 00 08 00 14 2b 91 f5 99 fd 9e 90 c3 8c 74 89 f9 2a f9 ba 53 f0 6b e7 d7 " +
        "80 28 00 04 c0 7d 4c 96";

    // RFC 5769 §2.3 Sample IPv6 Response.
    private const string Rfc5769SampleIpv6Response =
        "01 01 00 48 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae 80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20 " +
        "00 20 00 14 00 02 a1 47 01 13 a9 fa a5 d3 f1 79 bc 25 f4 b5 be d2 b9 d9 00 08 00 14 a3 82 95 4e 4b e6 7b f1 " +
        "17 84 c9 7c 82 92 c2 75 bf e3 ed 41 80 28 00 04 c8 fb 0b 4c";

    private static byte[] Hex(string s) => Convert.FromHexString(s.Replace(" ", string.Empty, StringComparison.Ordinal));

    private static byte[] Key => Encoding.UTF8.GetBytes(Password);

    [Fact]
    public void Rfc5769_sample_request_parses_and_verifies()
    {
        var bytes = Hex(Rfc5769SampleRequest);
        Assert.True(StunMessage.TryRead(bytes, out var msg, out var consumed));
        Assert.Equal(bytes.Length, consumed);
        Assert.Equal(StunClass.Request, msg!.Class);
        Assert.Equal(StunMessage.BindingMethod, msg.Method);
        Assert.Equal("evtj:h6vY", msg.GetUsername());
        Assert.True(msg.TryGetUInt32(StunAttributeType.Priority, out var priority));
        Assert.Equal(0x6e0001ffu, priority);
        Assert.True(msg.TryGetUInt64(StunAttributeType.IceControlled, out var tieBreaker));
        Assert.Equal(0x932ff9b151263b36ul, tieBreaker);
        Assert.True(StunMessage.VerifyIntegrity(bytes, msg, Key));
        Assert.True(StunMessage.VerifyFingerprint(bytes, msg));
        Assert.True(IceAgentUfrag(bytes) == "evtj");
    }

    [Theory]
    [InlineData(Rfc5769SampleIpv4Response, "192.0.2.1", 32853)]
    [InlineData(Rfc5769SampleIpv6Response, "2001:db8:1234:5678:11:2233:4455:6677", 32853)]
    public void Rfc5769_sample_responses_parse_and_verify(string hex, string address, int port)
    {
        var bytes = Hex(hex);
        Assert.True(StunMessage.TryRead(bytes, out var msg, out _));
        Assert.Equal(StunClass.SuccessResponse, msg!.Class);
        Assert.True(msg.TryGetXorMappedAddress(out var mapped));
        Assert.Equal(new IPEndPoint(IPAddress.Parse(address), port), mapped);
        Assert.True(StunMessage.VerifyIntegrity(bytes, msg, Key));
        Assert.True(StunMessage.VerifyFingerprint(bytes, msg));
    }

    [Fact]
    public void Rfc5769_tampered_request_fails_integrity_and_fingerprint()
    {
        var bytes = Hex(Rfc5769SampleRequest);
        bytes[30] ^= 1; // inside SOFTWARE
        Assert.True(StunMessage.TryRead(bytes, out var msg, out _));
        Assert.False(StunMessage.VerifyIntegrity(bytes, msg!, Key));
        Assert.False(StunMessage.VerifyFingerprint(bytes, msg!));
        Assert.False(StunMessage.VerifyIntegrity(Hex(Rfc5769SampleRequest), msg!, Encoding.UTF8.GetBytes("wrong")));
    }

    public static TheoryData<int, string> RoundTripCases => new()
    {
        { (int)StunClass.Request, "a:b" },
        { (int)StunClass.SuccessResponse, "x" },
        { (int)StunClass.ErrorResponse, "abcd" },
        { (int)StunClass.Indication, "ufrag:remote12" },
    };

    [Theory]
    [MemberData(nameof(RoundTripCases))]
    public void Round_trip_keeps_every_attribute(int classValue, string username)
    {
        var cls = (StunClass)classValue;
        var id = StunMessage.NewTransactionId();
        var msg = new StunMessage(cls, StunMessage.BindingMethod, id) { IntegrityKey = Key, AddFingerprint = true };
        msg.AddUsername(username);
        msg.AddUInt32(StunAttributeType.Priority, 12345);
        msg.AddUInt64(StunAttributeType.IceControlling, 0x0102030405060708);
        msg.AddFlag(StunAttributeType.UseCandidate);
        msg.AddErrorCode(487, "Role Conflict");
        msg.AddXorMappedAddress(new IPEndPoint(IPAddress.Parse("10.1.2.3"), 4567));
        var bytes = msg.ToArray();
        Assert.Equal(msg.GetSerializedLength(), bytes.Length);

        Assert.True(StunMessage.TryRead(bytes, out var back, out var consumed));
        Assert.Equal(bytes.Length, consumed);
        Assert.Equal(cls, back!.Class);
        Assert.Equal(id, back.TransactionId);
        Assert.Equal(username, back.GetUsername());
        Assert.True(back.TryGetUInt32(StunAttributeType.Priority, out var p) && p == 12345);
        Assert.True(back.TryGetUInt64(StunAttributeType.IceControlling, out var t) && t == 0x0102030405060708);
        Assert.True(back.Has(StunAttributeType.UseCandidate));
        Assert.True(back.TryGetErrorCode(out var code, out var reason) && code == 487 && reason == "Role Conflict");
        Assert.True(back.TryGetXorMappedAddress(out var mapped));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("10.1.2.3"), 4567), mapped);
        Assert.True(StunMessage.VerifyIntegrity(bytes, back, Key));
        Assert.True(StunMessage.VerifyFingerprint(bytes, back));
    }

    public static TheoryData<string> MalformedCases => new()
    {
        "",
        "00 01 00 00 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df", // 19 bytes
        "00 01 00 00 21 12 a4 43 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae", // bad cookie
        "c0 01 00 00 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae", // top bits set
        "00 01 00 03 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae 00 00 00", // length not multiple of 4
        "00 01 00 08 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae 00 06 00 09 65 76 74 6a", // attr overruns
        "00 01 00 04 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae", // length beyond datagram
        "00 01 00 0c 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae 80 28 00 04 00 00 00 00 00 06 00 00", // after FP
        "00 01 00 08 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae 80 28 00 03 00 00 00 00", // FP bad length
        "00 01 00 08 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae 00 08 00 04 00 00 00 00", // MI bad length
    };

    [Theory]
    [MemberData(nameof(MalformedCases))]
    public void Malformed_input_is_rejected_without_throwing(string hex)
    {
        Assert.False(StunMessage.TryRead(Hex(hex), out var msg, out var consumed));
        Assert.Null(msg);
        Assert.Equal(0, consumed);
    }

    [Fact]
    public void Every_truncation_of_the_sample_request_is_rejected()
    {
        var bytes = Hex(Rfc5769SampleRequest);
        for (var n = 0; n < bytes.Length; n++)
        {
            Assert.False(StunMessage.TryRead(bytes.AsSpan(0, n), out _, out _));
        }
    }

    [Fact]
    public void TryWrite_fails_when_the_destination_is_too_small()
    {
        var msg = new StunMessage(StunClass.Request, StunMessage.BindingMethod, StunMessage.NewTransactionId());
        msg.AddUsername("abc:def");
        Assert.False(msg.TryWrite(new byte[msg.GetSerializedLength() - 1], out var written));
        Assert.Equal(0, written);
    }

    private static string? IceAgentUfrag(byte[] bytes) =>
        EmsSharp.Protocols.Ice.IceAgent.TryGetRequestUfrag(bytes, out var ufrag) ? ufrag : null;
}
