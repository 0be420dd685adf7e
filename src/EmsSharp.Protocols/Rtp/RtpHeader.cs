using System.Buffers.Binary;

namespace EmsSharp.Protocols.Rtp;

/// <summary>
/// The RTP fixed header (RFC 3550 §5.1), with the CSRC count and the header extension location.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|X|  CC   |M|     PT      |       sequence number         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                           timestamp                           |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |           synchronization source (SSRC) identifier            |
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// |            contributing source (CSRC) identifiers             |
/// |                             ....                              |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |      defined by profile       |           length              |  (X = 1, RFC 3550 §5.3.1)
/// |                        header extension                       |
/// </code>
/// <see cref="TryWrite"/> writes the 12-byte fixed header only; CSRCs are read but never written,
/// and a header extension is appended with <see cref="RtpHeaderExtensionWriter"/>.
/// </summary>
public readonly record struct RtpHeader
{
    /// <summary>Size of the fixed header.</summary>
    public const int FixedLength = 12;

    /// <summary>P bit: the packet ends with padding.</summary>
    public bool Padding { get; init; }

    /// <summary>X bit: a header extension follows the CSRCs.</summary>
    public bool Extension { get; init; }

    /// <summary>Number of CSRC identifiers (0..15).</summary>
    public int CsrcCount { get; init; }

    /// <summary>M bit.</summary>
    public bool Marker { get; init; }

    /// <summary>Payload type (0..127).</summary>
    public byte PayloadType { get; init; }

    /// <summary>Sequence number.</summary>
    public ushort SequenceNumber { get; init; }

    /// <summary>Timestamp in the media clock.</summary>
    public uint Timestamp { get; init; }

    /// <summary>Synchronization source.</summary>
    public uint Ssrc { get; init; }

    /// <summary>The 16-bit "defined by profile" field of the extension (0xBEDE one-byte, 0x100x two-byte).</summary>
    public ushort ExtensionProfile { get; init; }

    /// <summary>Offset of the extension data (after its 4-byte header) in the packet; 0 without extension.</summary>
    public int ExtensionOffset { get; init; }

    /// <summary>Length in bytes of the extension data.</summary>
    public int ExtensionLength { get; init; }

    /// <summary>
    /// Parses the header of <paramref name="packet"/>; <paramref name="consumed"/> is the full header length
    /// (fixed part, CSRCs and extension) = the payload offset. False if not version 2 or truncated.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> packet, out RtpHeader header, out int consumed)
    {
        header = default;
        consumed = 0;
        if (packet.Length < FixedLength || (packet[0] >> 6) != 2)
        {
            return false;
        }
        int csrcCount = packet[0] & 0x0F;
        int offset = FixedLength + (4 * csrcCount);
        bool extension = (packet[0] & 0x10) != 0;
        ushort profile = 0;
        int extensionOffset = 0;
        int extensionLength = 0;
        if (offset > packet.Length)
        {
            return false;
        }
        if (extension)
        {
            // RFC 3550 §5.3.1: 16-bit profile, 16-bit length in 32-bit words excluding this header.
            if (offset + 4 > packet.Length)
            {
                return false;
            }
            profile = BinaryPrimitives.ReadUInt16BigEndian(packet[offset..]);
            extensionLength = BinaryPrimitives.ReadUInt16BigEndian(packet[(offset + 2)..]) * 4;
            extensionOffset = offset + 4;
            offset = extensionOffset + extensionLength;
            if (offset > packet.Length)
            {
                return false;
            }
        }
        header = new RtpHeader
        {
            Padding = (packet[0] & 0x20) != 0,
            Extension = extension,
            CsrcCount = csrcCount,
            Marker = (packet[1] & 0x80) != 0,
            PayloadType = (byte)(packet[1] & 0x7F),
            SequenceNumber = BinaryPrimitives.ReadUInt16BigEndian(packet[2..]),
            Timestamp = BinaryPrimitives.ReadUInt32BigEndian(packet[4..]),
            Ssrc = BinaryPrimitives.ReadUInt32BigEndian(packet[8..]),
            ExtensionProfile = profile,
            ExtensionOffset = extensionOffset,
            ExtensionLength = extensionLength,
        };
        consumed = offset;
        return true;
    }

    /// <summary>
    /// The payload of a packet whose header is <paramref name="header"/> and length <paramref name="headerLength"/>,
    /// without padding (RFC 3550 §5.1: the last padding octet counts the padding). False if the padding is invalid.
    /// </summary>
    public static bool TryGetPayload(ReadOnlySpan<byte> packet, in RtpHeader header, int headerLength, out ReadOnlySpan<byte> payload)
    {
        payload = default;
        int end = packet.Length;
        if (header.Padding)
        {
            int padding = end > headerLength ? packet[end - 1] : 0;
            if (padding == 0 || headerLength + padding > end)
            {
                return false;
            }
            end -= padding;
        }
        payload = packet[headerLength..end];
        return true;
    }

    /// <summary>Bytes <see cref="TryWrite"/> writes: the fixed header.</summary>
    public int GetSerializedLength() => FixedLength;

    /// <summary>
    /// Writes the fixed header (CSRC count 0; the X bit as <see cref="Extension"/>). False if the
    /// destination is too small, CSRCs are set or the payload type exceeds 127.
    /// </summary>
    public bool TryWrite(Span<byte> destination, out int written)
    {
        written = 0;
        if (destination.Length < FixedLength || CsrcCount != 0 || PayloadType > 127)
        {
            return false;
        }
        destination[0] = (byte)(0x80 | (Padding ? 0x20 : 0) | (Extension ? 0x10 : 0));
        destination[1] = (byte)((Marker ? 0x80 : 0) | PayloadType);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], SequenceNumber);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], Timestamp);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], Ssrc);
        written = FixedLength;
        return true;
    }
}
