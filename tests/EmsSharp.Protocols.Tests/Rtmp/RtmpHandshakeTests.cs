using System.Buffers.Binary;
using System.Security.Cryptography;
using EmsSharp.Protocols.Rtmp;

namespace EmsSharp.Protocols.Tests.Rtmp;

public class RtmpHandshakeTests
{
    [Fact]
    public void Plain_C1_gets_a_plain_S1_and_an_echoing_S2()
    {
        var c1 = new byte[RtmpHandshake.PacketSize];
        RandomNumberGenerator.Fill(c1.AsSpan(8));
        c1.AsSpan(4, 4).Clear(); // version 0: a plain client (RTMP 1.0 §5.2.3)
        var response = new byte[1 + (2 * RtmpHandshake.PacketSize)];
        RtmpHandshake.WriteResponse(c1, 1234, response);
        Assert.Equal(3, response[0]);
        Assert.Equal(1234u, BinaryPrimitives.ReadUInt32BigEndian(response.AsSpan(1)));
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32BigEndian(response.AsSpan(5)));
        Assert.Equal(c1, response[(1 + RtmpHandshake.PacketSize)..]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Digest_C1_gets_a_signed_S1_and_S2_that_a_client_verifies(int scheme)
    {
        var c1 = DigestC1(scheme);
        Assert.Equal(scheme, RtmpHandshake.FindClientDigest(c1));
        var response = new byte[1 + (2 * RtmpHandshake.PacketSize)];
        RtmpHandshake.WriteResponse(c1, 0, response);
        var s1 = response.AsSpan(1, RtmpHandshake.PacketSize);
        var s2 = response.AsSpan(1 + RtmpHandshake.PacketSize);
        Assert.NotEqual(0u, BinaryPrimitives.ReadUInt32BigEndian(s1[4..]));
        Assert.True(RtmpHandshake.VerifyServerDigest(s1, scheme));
        Assert.True(RtmpHandshake.VerifyServerSignature(c1, scheme, s2));
    }

    [Fact]
    public void C1_with_a_version_but_a_wrong_digest_falls_back_to_plain()
    {
        var c1 = DigestC1(0);
        c1[RtmpHandshake.DigestOffset(c1, 0)] ^= 0xFF;
        Assert.Equal(-1, RtmpHandshake.FindClientDigest(c1));
        var response = new byte[1 + (2 * RtmpHandshake.PacketSize)];
        RtmpHandshake.WriteResponse(c1, 0, response);
        Assert.Equal(c1, response[(1 + RtmpHandshake.PacketSize)..]);
    }

    /// <summary>A Flash-style C1: time, version 9.0.124.2, random, and the player digest at the scheme's offset.</summary>
    internal static byte[] DigestC1(int scheme)
    {
        var c1 = new byte[RtmpHandshake.PacketSize];
        RandomNumberGenerator.Fill(c1);
        c1[4] = 9;
        c1[5] = 0;
        c1[6] = 124;
        c1[7] = 2;
        var offset = RtmpHandshake.DigestOffset(c1, scheme);
        RtmpHandshake.ComputeDigest(c1, offset, RtmpHandshake.ClientDigestKey, c1.AsSpan(offset, 32));
        return c1;
    }
}
