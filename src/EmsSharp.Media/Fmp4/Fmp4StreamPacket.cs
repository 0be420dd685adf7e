namespace EmsSharp.Media.Fmp4;

/// <summary>
/// One packet of the §4.2 framing:
/// <code>
///  0               1               2               3
/// +---------------+-------------------------------------------+
/// |  type (249..255)  |        size (24-bit big-endian)       |
/// +---------------+-------------------------------------------+
/// |                   payload (size bytes) ...                |
/// </code>
/// </summary>
/// <param name="type">Packet type.</param>
/// <param name="payload">Payload bytes (a view into the input).</param>
public readonly ref struct Fmp4StreamPacket(Fmp4StreamPacketType type, ReadOnlySpan<byte> payload)
{
    /// <summary>Header length.</summary>
    public const int HeaderSize = 4;

    /// <summary>Largest payload the 24-bit size can declare.</summary>
    public const int MaxPayloadSize = 0xFFFFFF;

    /// <summary>Packet type.</summary>
    public Fmp4StreamPacketType Type { get; } = type;

    /// <summary>Payload bytes.</summary>
    public ReadOnlySpan<byte> Payload { get; } = payload;

    /// <summary>True for the types 249..255.</summary>
    public static bool IsKnownType(byte type) => type >= (byte)Fmp4StreamPacketType.Begin;

    /// <summary>
    /// Reads one packet from the start of <paramref name="data"/>. False when the header or payload is
    /// incomplete, the type is unknown, or the size exceeds <paramref name="maxPayloadSize"/>; use
    /// <see cref="Fmp4StreamReassembler"/> to tell these apart on a chunked stream.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> data, out Fmp4StreamPacket packet, out int consumed,
        int maxPayloadSize = MaxPayloadSize)
    {
        packet = default;
        consumed = 0;
        if (data.Length < HeaderSize || !IsKnownType(data[0]))
        {
            return false;
        }

        var size = (data[1] << 16) | (data[2] << 8) | data[3];
        if (size > maxPayloadSize || data.Length - HeaderSize < size)
        {
            return false;
        }

        packet = new Fmp4StreamPacket((Fmp4StreamPacketType)data[0], data.Slice(HeaderSize, size));
        consumed = HeaderSize + size;
        return true;
    }

    /// <summary>Writes a packet header and payload. False if the payload is too big or the span too small.</summary>
    public static bool TryWrite(Span<byte> destination, Fmp4StreamPacketType type, ReadOnlySpan<byte> payload,
        out int written)
    {
        written = 0;
        if (payload.Length > MaxPayloadSize || destination.Length < HeaderSize + payload.Length)
        {
            return false;
        }

        WriteHeader(destination, type, payload.Length);
        payload.CopyTo(destination[HeaderSize..]);
        written = HeaderSize + payload.Length;
        return true;
    }

    internal static void WriteHeader(Span<byte> destination, Fmp4StreamPacketType type, int size)
    {
        destination[0] = (byte)type;
        destination[1] = (byte)(size >> 16);
        destination[2] = (byte)(size >> 8);
        destination[3] = (byte)size;
    }
}
