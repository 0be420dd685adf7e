using System.Buffers.Binary;

namespace EmsSharp.Protocols.Sctp;

/// <summary>
/// SACK chunk, RFC 9260 §3.3.4.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |   Type = 3    |Chunk  Flags   |      Chunk Length             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                      Cumulative TSN Ack                       |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |          Advertised Receiver Window Credit (a_rwnd)           |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Number of Gap Ack Blocks = N  |  Number of Duplicate TSNs = M |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  Gap Ack Block #1 Start       |   Gap Ack Block #1 End        |
/// /                               ...                             /
/// |                       Duplicate TSN 1                         |
/// /                               ...                             /
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
internal readonly ref struct SctpSackChunk
{
    public const int FixedLength = 16;

    private readonly ReadOnlySpan<byte> _blocks;
    private readonly ReadOnlySpan<byte> _duplicates;

    public SctpSackChunk(uint cumulativeTsnAck, uint aRwnd, ReadOnlySpan<byte> blocks, ReadOnlySpan<byte> duplicates)
    {
        CumulativeTsnAck = cumulativeTsnAck;
        ARwnd = aRwnd;
        _blocks = blocks;
        _duplicates = duplicates;
    }

    public uint CumulativeTsnAck { get; }

    public uint ARwnd { get; }

    public int GapBlockCount => _blocks.Length / 4;

    public int DuplicateCount => _duplicates.Length / 4;

    public SctpGapAckBlock GetGapBlock(int index) => new(
        BinaryPrimitives.ReadUInt16BigEndian(_blocks[(index * 4)..]),
        BinaryPrimitives.ReadUInt16BigEndian(_blocks[((index * 4) + 2)..]));

    public uint GetDuplicate(int index) => BinaryPrimitives.ReadUInt32BigEndian(_duplicates[(index * 4)..]);

    /// <summary>The declared block and duplicate counts must fill the chunk exactly.</summary>
    public static bool TryRead(SctpChunk chunk, out SctpSackChunk sack)
    {
        sack = default;
        var v = chunk.Value;
        if (chunk.Type != (byte)SctpChunkType.Sack || v.Length < FixedLength - SctpChunk.HeaderLength)
        {
            return false;
        }

        int blocks = BinaryPrimitives.ReadUInt16BigEndian(v[8..]);
        int duplicates = BinaryPrimitives.ReadUInt16BigEndian(v[10..]);
        if (v.Length != 12 + (4 * blocks) + (4 * duplicates))
        {
            return false;
        }

        sack = new SctpSackChunk(
            BinaryPrimitives.ReadUInt32BigEndian(v),
            BinaryPrimitives.ReadUInt32BigEndian(v[4..]),
            v.Slice(12, 4 * blocks),
            v.Slice(12 + (4 * blocks), 4 * duplicates));
        return true;
    }

    public static bool TryRead(ReadOnlySpan<byte> source, out SctpSackChunk sack, out int consumed)
    {
        sack = default;
        if (!SctpChunk.TryRead(source, out var chunk, out consumed) || !TryRead(chunk, out sack))
        {
            consumed = 0;
            return false;
        }

        return true;
    }

    public static int GetSerializedLength(int blocks, int duplicates) => FixedLength + (4 * blocks) + (4 * duplicates);

    public int GetSerializedLength() => GetSerializedLength(GapBlockCount, DuplicateCount);

    public bool TryWrite(Span<byte> destination, out int written)
    {
        written = GetSerializedLength();
        if (destination.Length < written)
        {
            written = 0;
            return false;
        }

        WriteFixed(destination, CumulativeTsnAck, ARwnd, GapBlockCount, DuplicateCount);
        _blocks.CopyTo(destination[FixedLength..]);
        _duplicates.CopyTo(destination[(FixedLength + _blocks.Length)..]);
        return true;
    }

    /// <summary>Writes a SACK from typed blocks and duplicates.</summary>
    public static bool TryWrite(Span<byte> destination, uint cumulativeTsnAck, uint aRwnd, ReadOnlySpan<SctpGapAckBlock> blocks, ReadOnlySpan<uint> duplicates, out int written)
    {
        written = GetSerializedLength(blocks.Length, duplicates.Length);
        if (destination.Length < written || written > ushort.MaxValue)
        {
            written = 0;
            return false;
        }

        WriteFixed(destination, cumulativeTsnAck, aRwnd, blocks.Length, duplicates.Length);
        var o = FixedLength;
        foreach (var block in blocks)
        {
            BinaryPrimitives.WriteUInt16BigEndian(destination[o..], block.Start);
            BinaryPrimitives.WriteUInt16BigEndian(destination[(o + 2)..], block.End);
            o += 4;
        }

        foreach (var tsn in duplicates)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination[o..], tsn);
            o += 4;
        }

        return true;
    }

    private static void WriteFixed(Span<byte> destination, uint cumulativeTsnAck, uint aRwnd, int blocks, int duplicates)
    {
        SctpChunk.WriteHeader(destination, (byte)SctpChunkType.Sack, 0, GetSerializedLength(blocks, duplicates));
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], cumulativeTsnAck);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], aRwnd);
        BinaryPrimitives.WriteUInt16BigEndian(destination[12..], (ushort)blocks);
        BinaryPrimitives.WriteUInt16BigEndian(destination[14..], (ushort)duplicates);
    }
}
