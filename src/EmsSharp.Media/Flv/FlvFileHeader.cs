using System.Buffers.Binary;

namespace EmsSharp.Media.Flv;

/// <summary>
/// The FLV file header (FLV specification v10.1, Annex E.2).
/// <code>
/// Signature 'F' 'L' 'V' | Version UI8 (1) | TypeFlags: reserved UB[5], audio UB[1], reserved UB[1],
/// video UB[1] | DataOffset UI32 (9 for version 1)
/// </code>
/// </summary>
/// <param name="HasAudio">The audio flag.</param>
/// <param name="HasVideo">The video flag.</param>
/// <param name="DataOffset">Where the body (PreviousTagSize0) starts.</param>
public readonly record struct FlvFileHeader(bool HasAudio, bool HasVideo, uint DataOffset)
{
    /// <summary>Size of the header of a version 1 file.</summary>
    public const int Size = 9;

    private const uint MaxDataOffset = 1024;

    /// <summary>Reads the header; false when it is not an FLV version 1 header.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out FlvFileHeader header, out int consumed)
    {
        header = default;
        consumed = 0;
        if (source.Length < Size || source[0] != 'F' || source[1] != 'L' || source[2] != 'V' || source[3] != 1)
        {
            return false;
        }

        var offset = BinaryPrimitives.ReadUInt32BigEndian(source[5..]);
        if (offset < Size || offset > MaxDataOffset)
        {
            return false;
        }

        header = new FlvFileHeader((source[4] & 0x04) != 0, (source[4] & 0x01) != 0, offset);
        consumed = Size;
        return true;
    }

    /// <summary>The number of bytes <see cref="TryWrite"/> writes.</summary>
    public int GetSerializedLength() => Size;

    /// <summary>Writes the header (data offset 9).</summary>
    public bool TryWrite(Span<byte> destination, out int written)
    {
        written = 0;
        if (destination.Length < Size)
        {
            return false;
        }

        "FLV"u8.CopyTo(destination);
        destination[3] = 1;
        destination[4] = (byte)((HasAudio ? 0x04 : 0) | (HasVideo ? 0x01 : 0));
        BinaryPrimitives.WriteUInt32BigEndian(destination[5..], Size);
        written = Size;
        return true;
    }
}
