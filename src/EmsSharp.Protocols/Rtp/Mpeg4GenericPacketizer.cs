using System.Buffers.Binary;

namespace EmsSharp.Protocols.Rtp;

/// <summary>
/// Cuts one raw AAC access unit into RTP payloads of RFC 3640 (mpeg4-generic) in the AAC-hbr mode (§3.3.6:
/// sizeLength=13, indexLength=3, indexDeltaLength=3): one AU per packet, behind an AU Header Section of a 16-bit
/// AU-headers-length (16: one header of 16 bits) and one AU-header (AU-size, 13 bits; AU-Index 0, 3 bits). An AU larger
/// than a payload is fragmented (§3.2.3): every fragment carries the same AU-header with the whole AU's size, and only
/// the last one has the RTP marker bit set (§3.1: the marker marks a packet that ends an AU). Allocation-free, bounded:
/// an AU that its 13-bit size cannot describe is refused.
/// </summary>
/// <remarks>
/// <code>
/// +---------+-------------------------------+--------------------+
/// | RTP     | AU-headers-length = 16 (bits) | AU-size | AU-Index | AU (or a fragment of it)
/// | Header  |           16 bits             | 13 bits | 3 bits   |
/// +---------+-------------------------------+--------------------+
/// </code>
/// </remarks>
public ref struct Mpeg4GenericPacketizer : IRtpPayloadPacketizer
{
    /// <summary>The AU Header Section of one AAC-hbr AU: AU-headers-length (2 bytes) and one AU-header (2 bytes).</summary>
    public const int HeaderSectionLength = 4;

    /// <summary>The largest AU a 13-bit AU-size describes (RFC 3640 §3.3.6).</summary>
    public const int MaxAccessUnitLength = (1 << 13) - 1;

    private readonly ReadOnlySpan<byte> _accessUnit;
    private readonly int _maxPayloadSize;
    private int _position;

    private Mpeg4GenericPacketizer(ReadOnlySpan<byte> accessUnit, int maxPayloadSize)
    {
        _accessUnit = accessUnit;
        _maxPayloadSize = maxPayloadSize;
    }

    /// <summary>
    /// Starts packetizing <paramref name="accessUnit"/> into payloads of at most <paramref name="maxPayloadSize"/> bytes;
    /// false for an empty AU, one longer than <see cref="MaxAccessUnitLength"/>, or a payload size with no room for data.
    /// </summary>
    public static bool TryCreate(ReadOnlySpan<byte> accessUnit, int maxPayloadSize, out Mpeg4GenericPacketizer packetizer)
    {
        packetizer = default;
        if (accessUnit.IsEmpty || accessUnit.Length > MaxAccessUnitLength || maxPayloadSize <= HeaderSectionLength)
        {
            return false;
        }

        packetizer = new Mpeg4GenericPacketizer(accessUnit, maxPayloadSize);
        return true;
    }

    /// <summary>
    /// Writes the next payload into <paramref name="destination"/> (at least the max payload size, or the whole rest);
    /// false when the AU is exhausted. <paramref name="marker"/> is the RTP marker bit of its packet.
    /// </summary>
    public bool TryWriteNext(Span<byte> destination, out int written, out bool marker)
    {
        written = 0;
        marker = false;
        var remaining = _accessUnit.Length - _position;
        if (remaining <= 0)
        {
            return false;
        }

        var chunk = Math.Min(remaining, _maxPayloadSize - HeaderSectionLength);
        if (destination.Length < HeaderSectionLength + chunk)
        {
            return false;
        }

        BinaryPrimitives.WriteUInt16BigEndian(destination, 16); // AU-headers-length in bits: one 16-bit AU-header
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)(_accessUnit.Length << 3)); // AU-size, AU-Index 0
        _accessUnit.Slice(_position, chunk).CopyTo(destination[HeaderSectionLength..]);
        _position += chunk;
        written = HeaderSectionLength + chunk;
        marker = _position == _accessUnit.Length;
        return true;
    }
}
