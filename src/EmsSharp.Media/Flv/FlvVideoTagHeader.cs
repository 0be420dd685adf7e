namespace EmsSharp.Media.Flv;

/// <summary>
/// The header of an FLV video tag body, as in FLV files and RTMP video messages (FLV specification v10.1,
/// Annex E.4.3.1).
/// <code>
/// FrameType UB[4] (1 key, 2 inter, 5 info) | CodecID UB[4] (7 AVC) |
/// if AVC: AVCPacketType UI8 (0 sequence header, 1 NALU, 2 end of sequence) | CompositionTime SI24 (ms)
/// </code>
/// </summary>
/// <param name="FrameType">The frame type.</param>
/// <param name="CodecId">The codec id.</param>
/// <param name="AvcPacketType">The AVC packet type (AVC only).</param>
/// <param name="CompositionTime">PTS - DTS in milliseconds (AVC only).</param>
public readonly record struct FlvVideoTagHeader(byte FrameType, byte CodecId, byte AvcPacketType, int CompositionTime)
{
    /// <summary>The AVC codec id.</summary>
    public const byte AvcCodecId = 7;

    /// <summary>Reads the header; the AVC payload follows at <paramref name="consumed"/>.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out FlvVideoTagHeader header, out int consumed)
    {
        header = default;
        consumed = 0;
        if (source.IsEmpty)
        {
            return false;
        }

        var frameType = (byte)(source[0] >> 4);
        var codecId = (byte)(source[0] & 0x0F);
        if (codecId != AvcCodecId || (frameType & 0x08) != 0)
        {
            // Other codecs, and the Enhanced RTMP extended header (high bit), carry no AVC fields.
            header = new FlvVideoTagHeader(frameType, codecId, 0, 0);
            consumed = 1;
            return true;
        }

        if (source.Length < 5)
        {
            return false;
        }

        // SI24, sign-extended.
        var composition = ((source[2] << 24) | (source[3] << 16) | (source[4] << 8)) >> 8;
        header = new FlvVideoTagHeader(frameType, codecId, source[1], composition);
        consumed = 5;
        return true;
    }

    /// <summary>The number of bytes <see cref="TryWrite"/> writes.</summary>
    public int GetSerializedLength() => CodecId == AvcCodecId ? 5 : 1;

    /// <summary>Writes the header.</summary>
    public bool TryWrite(Span<byte> destination, out int written)
    {
        written = GetSerializedLength();
        if (destination.Length < written)
        {
            written = 0;
            return false;
        }

        destination[0] = (byte)((FrameType << 4) | (CodecId & 0x0F));
        if (written == 5)
        {
            destination[1] = AvcPacketType;
            destination[2] = (byte)(CompositionTime >> 16);
            destination[3] = (byte)(CompositionTime >> 8);
            destination[4] = (byte)CompositionTime;
        }

        return true;
    }
}
