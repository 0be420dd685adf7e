using System.Buffers.Binary;

namespace EmsSharp.Protocols.Sctp;

/// <summary>
/// A chunk in its generic form, RFC 9260 §3.2. The value is padded to a multiple of 4 bytes on the
/// wire; the length field excludes the padding.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |   Chunk Type  | Chunk  Flags  |        Chunk Length           |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// \                          Chunk Value                          \
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
internal readonly ref struct SctpChunk
{
    public const int HeaderLength = 4;

    public SctpChunk(byte type, byte flags, ReadOnlySpan<byte> value)
    {
        Type = type;
        Flags = flags;
        Value = value;
    }

    public byte Type { get; }

    public byte Flags { get; }

    public ReadOnlySpan<byte> Value { get; }

    /// <summary>The whole chunk as it appeared on the wire (header and value, no padding); set by <see cref="TryRead"/>.</summary>
    public ReadOnlySpan<byte> Raw { get; init; }

    /// <summary>
    /// Reads one chunk. A declared length below 4 or past the end of the packet is malformed; the
    /// padding of the last chunk may be missing.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out SctpChunk chunk, out int consumed)
    {
        chunk = default;
        consumed = 0;
        if (source.Length < HeaderLength)
        {
            return false;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(source[2..]);
        if (length < HeaderLength || length > source.Length)
        {
            return false;
        }

        chunk = new SctpChunk(source[0], source[1], source[HeaderLength..length]) { Raw = source[..length] };
        consumed = Math.Min(Pad(length), source.Length);
        return true;
    }

    public int GetSerializedLength() => Pad(HeaderLength + Value.Length);

    public bool TryWrite(Span<byte> destination, out int written) => TryWrite(destination, Type, Flags, Value, out written);

    /// <summary>Writes a chunk with the given value and zero padding.</summary>
    public static bool TryWrite(Span<byte> destination, byte type, byte flags, ReadOnlySpan<byte> value, out int written)
    {
        var length = HeaderLength + value.Length;
        if (length > ushort.MaxValue || destination.Length < Pad(length))
        {
            written = 0;
            return false;
        }

        WriteHeader(destination, type, flags, length);
        value.CopyTo(destination[HeaderLength..]);
        written = Pad(length);
        destination[length..written].Clear();
        return true;
    }

    public static void WriteHeader(Span<byte> destination, byte type, byte flags, int length)
    {
        destination[0] = type;
        destination[1] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)length);
    }

    public static int Pad(int length) => (length + 3) & ~3;
}
