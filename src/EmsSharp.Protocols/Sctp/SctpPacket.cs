using System.Buffers.Binary;

namespace EmsSharp.Protocols.Sctp;

/// <summary>
/// One SCTP packet: the common header followed by one or more chunks (RFC 9260 §3). Parsing checks
/// the CRC32c (RFC 9260 §6.8; WebRTC never disables it) and that at least one chunk header is present;
/// the chunks themselves are read with <see cref="SctpChunk.TryRead"/>.
/// </summary>
internal readonly ref struct SctpPacket
{
    /// <summary>SCTP over DTLS carries one packet per DTLS record (RFC 8261 §5); a record is at most 2^14 bytes.</summary>
    public const int MaxLength = 16384;

    public SctpPacket(SctpCommonHeader header, ReadOnlySpan<byte> chunks)
    {
        Header = header;
        Chunks = chunks;
    }

    public SctpCommonHeader Header { get; }

    /// <summary>The chunk bytes after the common header.</summary>
    public ReadOnlySpan<byte> Chunks { get; }

    public static bool TryRead(ReadOnlySpan<byte> source, out SctpPacket packet, out int consumed)
    {
        packet = default;
        consumed = 0;
        if (source.Length < SctpCommonHeader.Length + SctpChunk.HeaderLength || source.Length > MaxLength)
        {
            return false;
        }

        SctpCommonHeader.TryRead(source, out var header, out _);
        if (ComputeChecksum(source) != header.Checksum)
        {
            return false;
        }

        packet = new SctpPacket(header, source[SctpCommonHeader.Length..]);
        consumed = source.Length;
        return true;
    }

    public int GetSerializedLength() => SctpCommonHeader.Length + Chunks.Length;

    public bool TryWrite(Span<byte> destination, out int written)
    {
        written = 0;
        if (destination.Length < GetSerializedLength())
        {
            return false;
        }

        Header.TryWrite(destination, out _);
        Chunks.CopyTo(destination[SctpCommonHeader.Length..]);
        written = GetSerializedLength();
        WriteChecksum(destination[..written]);
        return true;
    }

    /// <summary>CRC32c over the packet with the checksum field taken as zero (RFC 9260 §6.8).</summary>
    public static uint ComputeChecksum(ReadOnlySpan<byte> packet)
    {
        var crc = Crc32c.Update(0xFFFFFFFF, packet[..8]);
        crc = Crc32c.Update(crc, [0, 0, 0, 0]);
        return ~Crc32c.Update(crc, packet[SctpCommonHeader.Length..]);
    }

    /// <summary>Fills in the checksum of a fully written packet.</summary>
    public static void WriteChecksum(Span<byte> packet)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(packet[8..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(packet[8..], Crc32c.Compute(packet));
    }
}
