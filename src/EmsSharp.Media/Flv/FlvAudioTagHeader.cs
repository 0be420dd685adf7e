namespace EmsSharp.Media.Flv;

/// <summary>
/// The header of an FLV audio tag body, as in FLV files and RTMP audio messages (FLV specification v10.1,
/// Annex E.4.2.1).
/// <code>
/// SoundFormat UB[4] (7 G.711 A-law, 8 G.711 mu-law, 10 AAC) | SoundRate UB[2] | SoundSize UB[1] |
/// SoundType UB[1] (0 mono, 1 stereo) | if AAC: AACPacketType UI8 (0 sequence header, 1 raw)
/// </code>
/// </summary>
/// <param name="SoundFormat">The sound format.</param>
/// <param name="SoundRate">The rate code (AAC: always 3, the real rate is in the AudioSpecificConfig).</param>
/// <param name="Stereo">The sound type bit.</param>
/// <param name="AacPacketType">The AAC packet type (AAC only).</param>
public readonly record struct FlvAudioTagHeader(byte SoundFormat, byte SoundRate, bool Stereo, byte AacPacketType)
{
    /// <summary>The AAC sound format.</summary>
    public const byte AacFormat = 10;

    /// <summary>The G.711 A-law sound format.</summary>
    public const byte AlawFormat = 7;

    /// <summary>The G.711 mu-law sound format.</summary>
    public const byte MulawFormat = 8;

    /// <summary>Reads the header; the audio payload follows at <paramref name="consumed"/>.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out FlvAudioTagHeader header, out int consumed)
    {
        header = default;
        consumed = 0;
        if (source.IsEmpty)
        {
            return false;
        }

        var format = (byte)(source[0] >> 4);
        var rate = (byte)((source[0] >> 2) & 0x03);
        var stereo = (source[0] & 0x01) != 0;
        if (format != AacFormat)
        {
            header = new FlvAudioTagHeader(format, rate, stereo, 0);
            consumed = 1;
            return true;
        }

        if (source.Length < 2)
        {
            return false;
        }

        header = new FlvAudioTagHeader(format, rate, stereo, source[1]);
        consumed = 2;
        return true;
    }

    /// <summary>The number of bytes <see cref="TryWrite"/> writes.</summary>
    public int GetSerializedLength() => SoundFormat == AacFormat ? 2 : 1;

    /// <summary>Writes the header (16-bit sample size flag set, as encoders do).</summary>
    public bool TryWrite(Span<byte> destination, out int written)
    {
        written = GetSerializedLength();
        if (destination.Length < written)
        {
            written = 0;
            return false;
        }

        destination[0] = (byte)((SoundFormat << 4) | ((SoundRate & 0x03) << 2) | 0x02 | (Stereo ? 1 : 0));
        if (written == 2)
        {
            destination[1] = AacPacketType;
        }

        return true;
    }
}
