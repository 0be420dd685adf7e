using System.Buffers.Binary;
using System.Security.Cryptography;

namespace EmsSharp.Protocols.Rtmp;

/// <summary>
/// Server side of the RTMP handshake: the plain one of RTMP 1.0 §5.2 (S2 echoes C1) and the digest
/// ("complex", Flash Player 9+) variant where C1/S1 carry an HMAC-SHA256 digest at a position derived
/// from four bytes of the packet and S2 is signed with a key derived from the client's digest. Clients
/// that check the server (Flash-era players, ffmpeg when S1's version is non-zero) need the latter.
/// </summary>
internal static class RtmpHandshake
{
    /// <summary>Size of C1, C2, S1 and S2 (§5.2.3).</summary>
    public const int PacketSize = 1536;

    /// <summary>The protocol version byte of C0/S0 (§5.2.2).</summary>
    public const byte Version = 3;

    private const int DigestLength = 32;

    // The digest keys of the Flash handshake: a public text plus 32 fixed bytes. The player signs C1 with
    // the first 30 bytes of its key; the server signs S1 with the first 36 bytes of its key and derives the
    // S2 signing key from the whole of it.
    private static readonly byte[] KeySuffix =
    [
        0xF0, 0xEE, 0xC2, 0x4A, 0x80, 0x68, 0xBE, 0xE8, 0x2E, 0x00, 0xD0, 0xD1, 0x02, 0x9E, 0x7E, 0x57,
        0x6E, 0xEC, 0x5D, 0x2D, 0x29, 0x80, 0x6F, 0xAB, 0x93, 0xB8, 0xE6, 0x36, 0xCF, 0xEB, 0x31, 0xAE,
    ];

    private static readonly byte[] ServerKey = [.. "Genuine Adobe Flash Media Server 001"u8, .. KeySuffix];

    private static readonly byte[] ClientKey = [.. "Genuine Adobe Flash Player 001"u8, .. KeySuffix];

    // An FMS-like version, non-zero so clients know S1 carries a digest.
    private static ReadOnlySpan<byte> ServerVersion => [4, 5, 0, 1];

    /// <summary>The client key's public part, which C1 digests use.</summary>
    internal static ReadOnlySpan<byte> ClientDigestKey => ClientKey.AsSpan(0, 30);

    /// <summary>
    /// Builds S0+S1+S2 (1 + 2 × 1536 bytes) answering C1. Uses the digest scheme when C1 carries a valid
    /// client digest, else the plain scheme.
    /// </summary>
    public static void WriteResponse(ReadOnlySpan<byte> c1, uint serverTimeMs, Span<byte> s0s1s2, bool complexAllowed = true)
    {
        if (c1.Length != PacketSize || s0s1s2.Length < 1 + (2 * PacketSize))
        {
            throw new ArgumentException("C1 or the destination has the wrong size.");
        }

        var s1 = s0s1s2.Slice(1, PacketSize);
        var s2 = s0s1s2.Slice(1 + PacketSize, PacketSize);
        s0s1s2[0] = Version;
        RandomNumberGenerator.Fill(s1[8..]);
        BinaryPrimitives.WriteUInt32BigEndian(s1, serverTimeMs);

        var scheme = complexAllowed ? FindClientDigest(c1) : -1;
        if (scheme < 0)
        {
            // §5.2.3/§5.2.4: plain S1 (time, zero, random) and S2 echoing C1.
            s1.Slice(4, 4).Clear();
            c1.CopyTo(s2);
            return;
        }

        ServerVersion.CopyTo(s1[4..]);
        var offset = DigestOffset(s1, scheme);
        ComputeDigest(s1, offset, ServerKey.AsSpan(0, 36), s1.Slice(offset, DigestLength));

        // S2 = random, then HMAC(HMAC(serverKey, clientDigest), random).
        RandomNumberGenerator.Fill(s2[..(PacketSize - DigestLength)]);
        Span<byte> key = stackalloc byte[DigestLength];
        HMACSHA256.HashData(ServerKey, c1.Slice(DigestOffset(c1, scheme), DigestLength), key);
        HMACSHA256.HashData(key, s2[..(PacketSize - DigestLength)], s2[(PacketSize - DigestLength)..]);
    }

    /// <summary>
    /// Finds the scheme of a valid client digest in C1: 0 (digest in the first half, offset base 8), 1
    /// (second half, base 772), or -1 when C1 carries none (a plain client).
    /// </summary>
    public static int FindClientDigest(ReadOnlySpan<byte> c1)
    {
        if (c1.Length != PacketSize || BinaryPrimitives.ReadUInt32BigEndian(c1[4..]) == 0)
        {
            return -1;
        }

        Span<byte> digest = stackalloc byte[DigestLength];
        for (var scheme = 1; scheme >= 0; scheme--)
        {
            var offset = DigestOffset(c1, scheme);
            ComputeDigest(c1, offset, ClientDigestKey, digest);
            if (CryptographicOperations.FixedTimeEquals(digest, c1.Slice(offset, DigestLength)))
            {
                return scheme;
            }
        }

        return -1;
    }

    /// <summary>
    /// Where the digest sits: the sum of the four bytes at the scheme's base, modulo 728, past those bytes.
    /// </summary>
    public static int DigestOffset(ReadOnlySpan<byte> packet, int scheme)
    {
        var basePosition = scheme == 0 ? 8 : 772;
        var sum = packet[basePosition] + packet[basePosition + 1] + packet[basePosition + 2] + packet[basePosition + 3];
        return (sum % 728) + basePosition + 4;
    }

    /// <summary>HMAC-SHA256 over the packet without the 32 digest bytes at <paramref name="offset"/>.</summary>
    public static void ComputeDigest(ReadOnlySpan<byte> packet, int offset, ReadOnlySpan<byte> key, Span<byte> digest)
    {
        Span<byte> message = stackalloc byte[PacketSize - DigestLength];
        packet[..offset].CopyTo(message);
        packet[(offset + DigestLength)..].CopyTo(message[offset..]);
        HMACSHA256.HashData(key, message, digest);
    }

    /// <summary>Verifies an S2 of the digest scheme against the C1 digest it answers (for tests and clients).</summary>
    public static bool VerifyServerSignature(ReadOnlySpan<byte> c1, int scheme, ReadOnlySpan<byte> s2)
    {
        Span<byte> key = stackalloc byte[DigestLength];
        Span<byte> signature = stackalloc byte[DigestLength];
        HMACSHA256.HashData(ServerKey, c1.Slice(DigestOffset(c1, scheme), DigestLength), key);
        HMACSHA256.HashData(key, s2[..(PacketSize - DigestLength)], signature);
        return signature.SequenceEqual(s2[(PacketSize - DigestLength)..]);
    }

    /// <summary>Verifies an S1 digest of the given scheme (for tests and clients).</summary>
    public static bool VerifyServerDigest(ReadOnlySpan<byte> s1, int scheme)
    {
        Span<byte> digest = stackalloc byte[DigestLength];
        var offset = DigestOffset(s1, scheme);
        ComputeDigest(s1, offset, ServerKey.AsSpan(0, 36), digest);
        return digest.SequenceEqual(s1.Slice(offset, DigestLength));
    }
}
