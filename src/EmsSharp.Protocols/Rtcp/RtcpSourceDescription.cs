using System.Buffers.Binary;
using System.Text;

namespace EmsSharp.Protocols.Rtcp;

/// <summary>
/// Source description (RFC 3550 §6.5); only CNAME items are kept, others are skipped.
/// <code>
/// |V=2|P|    SC   |  PT=SDES=202  |             length            |
/// |                          SSRC/CSRC_1                          |
/// |    CNAME=1    |     length    | user and domain name        ...
/// | ... items, then a zero item type and padding to 32 bits       |
/// </code>
/// </summary>
public sealed class RtcpSourceDescription : RtcpPacket
{
    private const byte CnameItem = 1;

    /// <summary>The chunks (at most 31).</summary>
    public required RtcpSdesChunk[] Chunks { get; init; }

    /// <summary>Parses one SDES packet starting at its header.</summary>
    public static bool TryRead(ReadOnlySpan<byte> data, out RtcpSourceDescription packet, out int consumed)
    {
        packet = null!;
        consumed = 0;
        if (!RtcpHeader.TryRead(data, out var header, out _) || header.PacketType != RtcpPacketType.SourceDescription)
        {
            return false;
        }
        var body = data[RtcpHeader.Length..header.PacketLength];
        var chunks = new RtcpSdesChunk[header.Count];
        int position = 0;
        for (int i = 0; i < chunks.Length; i++)
        {
            if (body.Length - position < 4)
            {
                return false;
            }
            uint ssrc = BinaryPrimitives.ReadUInt32BigEndian(body[position..]);
            position += 4;
            string cname = string.Empty;
            // RFC 3550 §6.5: items until a zero type octet, then pad to the next 32-bit boundary.
            while (true)
            {
                if (position >= body.Length)
                {
                    return false;
                }
                byte type = body[position];
                if (type == 0)
                {
                    position = (position + 4) & ~3;
                    break;
                }
                if (position + 2 > body.Length || position + 2 + body[position + 1] > body.Length)
                {
                    return false;
                }
                int length = body[position + 1];
                if (type == CnameItem)
                {
                    cname = Encoding.UTF8.GetString(body.Slice(position + 2, length));
                }
                position += 2 + length;
            }
            chunks[i] = new RtcpSdesChunk(ssrc, cname);
        }
        if (position > body.Length)
        {
            return false;
        }
        packet = new RtcpSourceDescription { Chunks = chunks };
        consumed = header.PacketLength;
        return true;
    }

    /// <inheritdoc/>
    public override int GetSerializedLength()
    {
        int length = RtcpHeader.Length;
        foreach (var chunk in Chunks)
        {
            length += ChunkLength(chunk);
        }
        return length;
    }

    /// <inheritdoc/>
    public override bool TryWrite(Span<byte> destination, out int written)
    {
        written = 0;
        foreach (var chunk in Chunks)
        {
            if (Encoding.UTF8.GetByteCount(chunk.Cname) > 255)
            {
                return false;
            }
        }
        if (Chunks.Length > 31 || !TryWriteHeader(destination, Chunks.Length, RtcpPacketType.SourceDescription, out int length))
        {
            return false;
        }
        int position = RtcpHeader.Length;
        foreach (var chunk in Chunks)
        {
            int chunkLength = ChunkLength(chunk);
            var target = destination.Slice(position, chunkLength);
            target.Clear();
            BinaryPrimitives.WriteUInt32BigEndian(target, chunk.Ssrc);
            target[4] = CnameItem;
            target[5] = (byte)Encoding.UTF8.GetBytes(chunk.Cname, target[6..]);
            position += chunkLength;
        }
        written = length;
        return true;
    }

    // SSRC, CNAME item (type, length, text), then at least one zero octet, padded to 32 bits.
    private static int ChunkLength(RtcpSdesChunk chunk) => (4 + 2 + Encoding.UTF8.GetByteCount(chunk.Cname) + 1 + 3) & ~3;
}
