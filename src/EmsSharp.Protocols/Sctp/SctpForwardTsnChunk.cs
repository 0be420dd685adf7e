using System.Buffers.Binary;

namespace EmsSharp.Protocols.Sctp;

/// <summary>
/// FORWARD TSN chunk, RFC 3758 §3.2.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |   Type = 192  |  Flags = 0x00 |        Length = Variable      |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                      New Cumulative TSN                       |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |         Stream-1              |       Stream Sequence-1       |
/// \                              ...                              \
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
internal readonly ref struct SctpForwardTsnChunk
{
    public const int FixedLength = 8;

    private readonly ReadOnlySpan<byte> _streams;

    public SctpForwardTsnChunk(uint newCumulativeTsn, ReadOnlySpan<byte> streams)
    {
        NewCumulativeTsn = newCumulativeTsn;
        _streams = streams;
    }

    public uint NewCumulativeTsn { get; }

    public int StreamCount => _streams.Length / 4;

    public (ushort StreamId, ushort Ssn) GetStream(int index) => (
        BinaryPrimitives.ReadUInt16BigEndian(_streams[(index * 4)..]),
        BinaryPrimitives.ReadUInt16BigEndian(_streams[((index * 4) + 2)..]));

    public static bool TryRead(SctpChunk chunk, out SctpForwardTsnChunk forward)
    {
        forward = default;
        var v = chunk.Value;
        if (chunk.Type != (byte)SctpChunkType.ForwardTsn || v.Length < 4 || (v.Length - 4) % 4 != 0)
        {
            return false;
        }

        forward = new SctpForwardTsnChunk(BinaryPrimitives.ReadUInt32BigEndian(v), v[4..]);
        return true;
    }

    public static bool TryRead(ReadOnlySpan<byte> source, out SctpForwardTsnChunk forward, out int consumed)
    {
        forward = default;
        if (!SctpChunk.TryRead(source, out var chunk, out consumed) || !TryRead(chunk, out forward))
        {
            consumed = 0;
            return false;
        }

        return true;
    }

    public int GetSerializedLength() => FixedLength + _streams.Length;

    public bool TryWrite(Span<byte> destination, out int written)
    {
        written = GetSerializedLength();
        if (destination.Length < written)
        {
            written = 0;
            return false;
        }

        SctpChunk.WriteHeader(destination, (byte)SctpChunkType.ForwardTsn, 0, written);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], NewCumulativeTsn);
        _streams.CopyTo(destination[FixedLength..]);
        return true;
    }

    /// <summary>Writes the chunk from typed (stream, SSN) pairs.</summary>
    public static bool TryWrite(Span<byte> destination, uint newCumulativeTsn, ReadOnlySpan<(ushort StreamId, ushort Ssn)> streams, out int written)
    {
        written = FixedLength + (4 * streams.Length);
        if (destination.Length < written || written > ushort.MaxValue)
        {
            written = 0;
            return false;
        }

        SctpChunk.WriteHeader(destination, (byte)SctpChunkType.ForwardTsn, 0, written);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], newCumulativeTsn);
        for (var i = 0; i < streams.Length; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(destination[(FixedLength + (4 * i))..], streams[i].StreamId);
            BinaryPrimitives.WriteUInt16BigEndian(destination[(FixedLength + (4 * i) + 2)..], streams[i].Ssn);
        }

        return true;
    }
}
