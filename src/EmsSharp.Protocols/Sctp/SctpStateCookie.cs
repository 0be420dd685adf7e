using System.Buffers.Binary;
using System.Security.Cryptography;

namespace EmsSharp.Protocols.Sctp;

/// <summary>
/// Our State Cookie (RFC 9260 §5.1.3): everything needed to build the association from a COOKIE ECHO
/// without having kept state after sending INIT ACK, plus a creation time and an HMAC-SHA256 over the
/// contents with a per-association secret so that a forged or altered cookie is rejected.
/// <code>
/// | local tag (4) | peer tag (4) | local initial TSN (4) | peer initial TSN (4) | peer a_rwnd (4) |
/// | peer OS (2) | peer MIS (2) | flags (1) | created, ticks (8) | HMAC-SHA256 (32) |
/// </code>
/// </summary>
internal readonly record struct SctpStateCookie(
    uint LocalTag,
    uint PeerTag,
    uint LocalInitialTsn,
    uint PeerInitialTsn,
    uint PeerARwnd,
    ushort PeerOutboundStreams,
    ushort PeerInboundStreams,
    bool PeerForwardTsn,
    bool PeerReConfig,
    TimeSpan Created)
{
    private const int BodyLength = 33;
    private const int MacLength = 32;
    public const int Length = BodyLength + MacLength;

    /// <summary>Reads a cookie, accepting it only when its HMAC verifies under <paramref name="key"/>.</summary>
    public static bool TryReadVerified(ReadOnlySpan<byte> source, ReadOnlySpan<byte> key, out SctpStateCookie cookie)
    {
        cookie = default;
        if (source.Length != Length)
        {
            return false;
        }

        Span<byte> mac = stackalloc byte[MacLength];
        HMACSHA256.HashData(key, source[..BodyLength], mac);
        if (!CryptographicOperations.FixedTimeEquals(mac, source[BodyLength..]))
        {
            return false;
        }

        cookie = new SctpStateCookie(
            BinaryPrimitives.ReadUInt32BigEndian(source),
            BinaryPrimitives.ReadUInt32BigEndian(source[4..]),
            BinaryPrimitives.ReadUInt32BigEndian(source[8..]),
            BinaryPrimitives.ReadUInt32BigEndian(source[12..]),
            BinaryPrimitives.ReadUInt32BigEndian(source[16..]),
            BinaryPrimitives.ReadUInt16BigEndian(source[20..]),
            BinaryPrimitives.ReadUInt16BigEndian(source[22..]),
            (source[24] & 1) != 0,
            (source[24] & 2) != 0,
            TimeSpan.FromTicks(BinaryPrimitives.ReadInt64BigEndian(source[25..])));
        return true;
    }

    public int GetSerializedLength() => Length;

    public bool TryWriteSigned(Span<byte> destination, ReadOnlySpan<byte> key, out int written)
    {
        written = 0;
        if (destination.Length < Length)
        {
            return false;
        }

        BinaryPrimitives.WriteUInt32BigEndian(destination, LocalTag);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], PeerTag);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], LocalInitialTsn);
        BinaryPrimitives.WriteUInt32BigEndian(destination[12..], PeerInitialTsn);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], PeerARwnd);
        BinaryPrimitives.WriteUInt16BigEndian(destination[20..], PeerOutboundStreams);
        BinaryPrimitives.WriteUInt16BigEndian(destination[22..], PeerInboundStreams);
        destination[24] = (byte)((PeerForwardTsn ? 1 : 0) | (PeerReConfig ? 2 : 0));
        BinaryPrimitives.WriteInt64BigEndian(destination[25..], Created.Ticks);
        HMACSHA256.HashData(key, destination[..BodyLength], destination.Slice(BodyLength, MacLength));
        written = Length;
        return true;
    }
}
