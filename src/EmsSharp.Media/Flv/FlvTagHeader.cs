namespace EmsSharp.Media.Flv;

/// <summary>
/// The header of one FLV tag (FLV specification v10.1, Annex E.4.1).
/// <code>
/// Reserved UB[2] | Filter UB[1] | TagType UB[5] | DataSize UI24 | Timestamp UI24 |
/// TimestampExtended UI8 (upper 8 bits) | StreamID UI24 (always 0)
/// </code>
/// </summary>
/// <param name="Type">The tag type.</param>
/// <param name="DataSize">The size of the tag body.</param>
/// <param name="Timestamp">The timestamp in milliseconds (32 bits).</param>
public readonly record struct FlvTagHeader(FlvTagType Type, int DataSize, uint Timestamp)
{
    /// <summary>Size of a tag header.</summary>
    public const int Size = 11;

    /// <summary>Reads a tag header; false when short or filtered (encrypted) or of an unknown type.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out FlvTagHeader header, out int consumed)
    {
        header = default;
        consumed = 0;
        if (source.Length < Size || (source[0] & 0xE0) != 0)
        {
            return false;
        }

        var type = (FlvTagType)(source[0] & 0x1F);
        if (type is not (FlvTagType.Audio or FlvTagType.Video or FlvTagType.Script))
        {
            return false;
        }

        var size = (source[1] << 16) | (source[2] << 8) | source[3];
        var timestamp = ((uint)source[7] << 24) | ((uint)source[4] << 16) | ((uint)source[5] << 8) | source[6];
        header = new FlvTagHeader(type, size, timestamp);
        consumed = Size;
        return true;
    }

    /// <summary>The number of bytes <see cref="TryWrite"/> writes.</summary>
    public int GetSerializedLength() => Size;

    /// <summary>Writes the tag header.</summary>
    public bool TryWrite(Span<byte> destination, out int written)
    {
        written = 0;
        if (destination.Length < Size || DataSize is < 0 or > 0xFFFFFF)
        {
            return false;
        }

        destination[0] = (byte)Type;
        destination[1] = (byte)(DataSize >> 16);
        destination[2] = (byte)(DataSize >> 8);
        destination[3] = (byte)DataSize;
        destination[4] = (byte)(Timestamp >> 16);
        destination[5] = (byte)(Timestamp >> 8);
        destination[6] = (byte)Timestamp;
        destination[7] = (byte)(Timestamp >> 24);
        destination[8] = 0;
        destination[9] = 0;
        destination[10] = 0;
        written = Size;
        return true;
    }
}
