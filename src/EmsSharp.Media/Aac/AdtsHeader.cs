namespace EmsSharp.Media.Aac;

/// <summary>
/// ADTS fixed + variable header (ISO/IEC 14496-3 §1.A.2.2.1), 7 bytes, 9 with CRC:
/// <code>
/// syncword 0xFFF (12) | ID (1) | layer 00 (2) | protection_absent (1)
/// profile_ObjectType (2) | sampling_frequency_index (4) | private_bit (1) | channel_configuration (3)
/// original_copy (1) | home (1) | copyright_id_bit (1) | copyright_id_start (1)
/// aac_frame_length (13, header included) | adts_buffer_fullness (11) | number_of_raw_data_blocks_in_frame (2)
/// [crc_check (16) when protection_absent == 0]
/// </code>
/// </summary>
/// <param name="ObjectType">audioObjectType (profile_ObjectType + 1; 2 = AAC LC).</param>
/// <param name="SamplingFrequencyIndex">sampling_frequency_index (0..12).</param>
/// <param name="ChannelConfiguration">channel_configuration (0..7).</param>
/// <param name="FrameLength">aac_frame_length: header plus payload bytes.</param>
/// <param name="HasCrc">True when protection_absent is 0 (a 2-byte CRC follows the header).</param>
/// <param name="RawDataBlocks">number_of_raw_data_blocks_in_frame + 1.</param>
public readonly record struct AdtsHeader(
    int ObjectType,
    int SamplingFrequencyIndex,
    int ChannelConfiguration,
    int FrameLength,
    bool HasCrc,
    int RawDataBlocks = 1)
{
    /// <summary>Header size without CRC.</summary>
    public const int Size = 7;

    /// <summary>Header length: 7, or 9 with CRC.</summary>
    public int HeaderLength => HasCrc ? 9 : 7;

    /// <summary>Raw AAC payload length (frame minus header).</summary>
    public int PayloadLength => FrameLength - HeaderLength;

    /// <summary>Sampling frequency in Hz.</summary>
    public int SamplingFrequency => AudioSpecificConfig.GetFrequency(SamplingFrequencyIndex);

    /// <summary>A header for a raw frame of <paramref name="payloadLength"/> bytes under <paramref name="config"/>.</summary>
    public static AdtsHeader ForPayload(AudioSpecificConfig config, int payloadLength) =>
        new(config.ObjectType, config.SamplingFrequencyIndex, config.ChannelConfiguration, payloadLength + Size, false);

    /// <summary>The AudioSpecificConfig this header implies (§1.A.2.2.1: profile → object type).</summary>
    public AudioSpecificConfig ToAudioSpecificConfig() =>
        AudioSpecificConfig.Create(ObjectType, SamplingFrequency, ChannelConfiguration);

    /// <summary>
    /// Parses a header; <paramref name="consumed"/> is the header length (the payload follows). False on a bad
    /// syncword or layer, a reserved frequency index, an object type ADTS cannot carry, or a frame length
    /// shorter than the header. The payload itself need not be present.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> data, out AdtsHeader header, out int consumed)
    {
        header = default;
        consumed = 0;
        if (data.Length < Size || data[0] != 0xFF || (data[1] & 0xF6) != 0xF0)
        {
            return false;
        }

        var hasCrc = (data[1] & 0x01) == 0;
        var objectType = (data[2] >> 6) + 1;
        var frequencyIndex = (data[2] >> 2) & 0x0F;
        var channels = ((data[2] & 0x01) << 2) | (data[3] >> 6);
        var frameLength = ((data[3] & 0x03) << 11) | (data[4] << 3) | (data[5] >> 5);
        var blocks = (data[6] & 0x03) + 1;
        var headerLength = hasCrc ? 9 : 7;
        if (frequencyIndex > 12 || frameLength < headerLength || (hasCrc && data.Length < 9))
        {
            return false;
        }

        header = new AdtsHeader(objectType, frequencyIndex, channels, frameLength, hasCrc, blocks);
        consumed = headerLength;
        return true;
    }

    /// <summary>Bytes <see cref="TryWrite"/> produces (7; the CRC is never written).</summary>
    public static int GetSerializedLength() => Size;

    /// <summary>
    /// Writes a 7-byte header with protection_absent = 1 (a CRC cannot be computed here), buffer fullness
    /// 0x7FF (VBR). False when a field does not fit.
    /// </summary>
    public bool TryWrite(Span<byte> destination, out int written)
    {
        written = 0;
        var frameLength = FrameLength - HeaderLength + Size;
        if (destination.Length < Size || ObjectType is < 1 or > 4 || SamplingFrequencyIndex is < 0 or > 12
            || ChannelConfiguration is < 0 or > 7 || frameLength is < Size or > 0x1FFF || RawDataBlocks is < 1 or > 4)
        {
            return false;
        }

        destination[0] = 0xFF;
        destination[1] = 0xF1; // MPEG-4, layer 0, protection_absent
        destination[2] = (byte)(((ObjectType - 1) << 6) | (SamplingFrequencyIndex << 2) | (ChannelConfiguration >> 2));
        destination[3] = (byte)(((ChannelConfiguration & 3) << 6) | (frameLength >> 11));
        destination[4] = (byte)(frameLength >> 3);
        destination[5] = (byte)(((frameLength & 7) << 5) | 0x1F);
        destination[6] = (byte)(0xFC | (RawDataBlocks - 1));
        written = Size;
        return true;
    }

    /// <summary>
    /// Splits the first ADTS frame off <paramref name="data"/>: the raw AAC payload without header or CRC
    /// (what MP4 stores). False when the header is bad or the frame is incomplete.
    /// </summary>
    public static bool TryStrip(ReadOnlySpan<byte> data, out AdtsHeader header, out ReadOnlySpan<byte> payload,
        out int frameLength)
    {
        payload = default;
        frameLength = 0;
        if (!TryRead(data, out header, out var headerLength) || data.Length < header.FrameLength)
        {
            return false;
        }

        payload = data[headerLength..header.FrameLength];
        frameLength = header.FrameLength;
        return true;
    }
}
