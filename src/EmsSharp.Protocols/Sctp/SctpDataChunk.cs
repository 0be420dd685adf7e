using System.Buffers.Binary;

namespace EmsSharp.Protocols.Sctp;

/// <summary>
/// DATA chunk, RFC 9260 §3.3.1 (I bit: RFC 7053).
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |   Type = 0    |  Res  |I|U|B|E|            Length             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                              TSN                              |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |      Stream Identifier S      |   Stream Sequence Number n    |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  Payload Protocol Identifier                  |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// \                 User Data (seq n of Stream S)                 \
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
internal readonly ref struct SctpDataChunk
{
    public const int HeaderLength = 16;
    public const byte EndingFlag = 0x01;
    public const byte BeginningFlag = 0x02;
    public const byte UnorderedFlag = 0x04;
    public const byte ImmediateFlag = 0x08;

    public SctpDataChunk(byte flags, uint tsn, ushort streamId, ushort ssn, uint ppid, ReadOnlySpan<byte> userData)
    {
        Flags = flags;
        Tsn = tsn;
        StreamId = streamId;
        Ssn = ssn;
        Ppid = ppid;
        UserData = userData;
    }

    public byte Flags { get; }

    public uint Tsn { get; }

    public ushort StreamId { get; }

    public ushort Ssn { get; }

    public uint Ppid { get; }

    public ReadOnlySpan<byte> UserData { get; }

    public bool IsBeginning => (Flags & BeginningFlag) != 0;

    public bool IsEnding => (Flags & EndingFlag) != 0;

    public bool IsUnordered => (Flags & UnorderedFlag) != 0;

    /// <summary>Reads from a generic chunk; a DATA chunk without user data is malformed (RFC 9260 §6.2).</summary>
    public static bool TryRead(SctpChunk chunk, out SctpDataChunk data)
    {
        var v = chunk.Value;
        if (chunk.Type != (byte)SctpChunkType.Data || v.Length < HeaderLength - SctpChunk.HeaderLength + 1)
        {
            data = default;
            return false;
        }

        data = new SctpDataChunk(
            chunk.Flags,
            BinaryPrimitives.ReadUInt32BigEndian(v),
            BinaryPrimitives.ReadUInt16BigEndian(v[4..]),
            BinaryPrimitives.ReadUInt16BigEndian(v[6..]),
            BinaryPrimitives.ReadUInt32BigEndian(v[8..]),
            v[12..]);
        return true;
    }

    public static bool TryRead(ReadOnlySpan<byte> source, out SctpDataChunk data, out int consumed)
    {
        data = default;
        if (!SctpChunk.TryRead(source, out var chunk, out consumed) || !TryRead(chunk, out data))
        {
            consumed = 0;
            return false;
        }

        return true;
    }

    public int GetSerializedLength() => SctpChunk.Pad(HeaderLength + UserData.Length);

    public bool TryWrite(Span<byte> destination, out int written)
    {
        var length = HeaderLength + UserData.Length;
        written = SctpChunk.Pad(length);
        if (UserData.IsEmpty || length > ushort.MaxValue || destination.Length < written)
        {
            written = 0;
            return false;
        }

        SctpChunk.WriteHeader(destination, (byte)SctpChunkType.Data, Flags, length);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], Tsn);
        BinaryPrimitives.WriteUInt16BigEndian(destination[8..], StreamId);
        BinaryPrimitives.WriteUInt16BigEndian(destination[10..], Ssn);
        BinaryPrimitives.WriteUInt32BigEndian(destination[12..], Ppid);
        UserData.CopyTo(destination[HeaderLength..]);
        destination[length..written].Clear();
        return true;
    }
}
