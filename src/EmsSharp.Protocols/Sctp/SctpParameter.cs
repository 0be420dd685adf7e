using System.Buffers.Binary;

namespace EmsSharp.Protocols.Sctp;

/// <summary>
/// A type-length-value parameter or error cause, RFC 9260 §3.2.1 and §3.3.10 (same layout, padded to 4).
/// <code>
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |          Parameter Type       |       Parameter Length        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// \                       Parameter Value                         \
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
internal readonly ref struct SctpParameter
{
    public const int HeaderLength = 4;

    public SctpParameter(ushort type, ReadOnlySpan<byte> value)
    {
        Type = type;
        Value = value;
    }

    public ushort Type { get; }

    public ReadOnlySpan<byte> Value { get; }

    /// <summary>The whole parameter as on the wire (no padding); set by <see cref="TryRead"/>.</summary>
    public ReadOnlySpan<byte> Raw { get; init; }

    public static bool TryRead(ReadOnlySpan<byte> source, out SctpParameter parameter, out int consumed)
    {
        parameter = default;
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

        parameter = new SctpParameter(BinaryPrimitives.ReadUInt16BigEndian(source), source[HeaderLength..length])
        {
            Raw = source[..length],
        };
        consumed = Math.Min(SctpChunk.Pad(length), source.Length);
        return true;
    }

    public int GetSerializedLength() => SctpChunk.Pad(HeaderLength + Value.Length);

    public bool TryWrite(Span<byte> destination, out int written) => TryWrite(destination, Type, Value, out written);

    public static bool TryWrite(Span<byte> destination, ushort type, ReadOnlySpan<byte> value, out int written)
    {
        var length = HeaderLength + value.Length;
        if (length > ushort.MaxValue || destination.Length < SctpChunk.Pad(length))
        {
            written = 0;
            return false;
        }

        BinaryPrimitives.WriteUInt16BigEndian(destination, type);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)length);
        value.CopyTo(destination[HeaderLength..]);
        written = SctpChunk.Pad(length);
        destination[length..written].Clear();
        return true;
    }
}
