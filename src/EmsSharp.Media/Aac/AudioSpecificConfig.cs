namespace EmsSharp.Media.Aac;

/// <summary>
/// The start of an MPEG-4 AudioSpecificConfig (ISO/IEC 14496-3 §1.6.2.1):
/// <code>
/// audioObjectType          5 bits (31 = escape: 32 + 6 more bits)
/// samplingFrequencyIndex   4 bits (15 = explicit: 24-bit samplingFrequency follows)
/// channelConfiguration     4 bits
/// GASpecificConfig / ...   (kept verbatim in <see cref="Raw"/>)
/// </code>
/// </summary>
/// <param name="ObjectType">audioObjectType (2 = AAC LC, 5 = SBR, 29 = PS).</param>
/// <param name="SamplingFrequencyIndex">samplingFrequencyIndex, 15 when explicit.</param>
/// <param name="SamplingFrequency">Sampling frequency in Hz.</param>
/// <param name="ChannelConfiguration">channelConfiguration (0 = defined in the program config element).</param>
/// <param name="Raw">The whole config bytes as read (or as built), for the <c>esds</c> box.</param>
public sealed record AudioSpecificConfig(
    int ObjectType,
    int SamplingFrequencyIndex,
    int SamplingFrequency,
    int ChannelConfiguration,
    byte[] Raw)
{
    /// <summary>Largest config accepted.</summary>
    public const int MaxSize = 64;

    /// <summary>Sampling frequencies by index (ISO/IEC 14496-3 Table 1.18); indices 13-14 are reserved.</summary>
    private static readonly int[] Frequencies =
        [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

    /// <summary>The RFC 6381 codec string <c>mp4a.40.&lt;audioObjectType&gt;</c>.</summary>
    public string CodecString => string.Create(null, stackalloc char[16], $"mp4a.40.{ObjectType}");

    /// <summary>Samples per frame: 960 when GASpecificConfig's frameLengthFlag is set, else 1024.</summary>
    public int SamplesPerFrame { get; init; } = 1024;

    /// <summary>Frequency for a samplingFrequencyIndex, or 0 when reserved/explicit.</summary>
    public static int GetFrequency(int index) => index is >= 0 and < 13 ? Frequencies[index] : 0;

    /// <summary>Index of a standard frequency, or 15 (explicit).</summary>
    public static int GetFrequencyIndex(int frequency)
    {
        var index = Array.IndexOf(Frequencies, frequency);
        return index < 0 ? 15 : index;
    }

    /// <summary>Builds the 2-byte (or 5-byte with an explicit frequency) config of a GA object type.</summary>
    public static AudioSpecificConfig Create(int objectType, int samplingFrequency, int channelConfiguration)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(objectType);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(objectType, 30);
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)channelConfiguration, 15u);
        var index = GetFrequencyIndex(samplingFrequency);
        byte[] raw;
        if (index != 15)
        {
            raw = [(byte)((objectType << 3) | (index >> 1)), (byte)(((index & 1) << 7) | (channelConfiguration << 3))];
        }
        else
        {
            // 5 + 4 + 24 + 4 = 37 bits, padded to 5 bytes.
            var bits = ((ulong)objectType << 59) | (15UL << 55) | ((ulong)(samplingFrequency & 0xFFFFFF) << 31)
                | ((ulong)channelConfiguration << 27);
            raw = new byte[5];
            for (var i = 0; i < 5; i++)
            {
                raw[i] = (byte)(bits >> (56 - (8 * i)));
            }
        }

        return new AudioSpecificConfig(objectType, index, samplingFrequency, channelConfiguration, raw);
    }

    /// <summary>Parses a config; all of <paramref name="data"/> is taken as the config. False when truncated or reserved values appear.</summary>
    public static bool TryRead(ReadOnlySpan<byte> data, out AudioSpecificConfig config, out int consumed)
    {
        config = null!;
        consumed = 0;
        if (data.Length < 2 || data.Length > MaxSize)
        {
            return false;
        }

        var bitPosition = 0;
        var objectType = (int)ReadBits(data, ref bitPosition, 5);
        if (objectType == 31)
        {
            objectType = 32 + (int)ReadBits(data, ref bitPosition, 6); // §1.6.2.1 GetAudioObjectType()
        }

        var index = (int)ReadBits(data, ref bitPosition, 4);
        var frequency = index == 15 ? (int)ReadBits(data, ref bitPosition, 24) : GetFrequency(index);
        var channels = (int)ReadBits(data, ref bitPosition, 4);
        var frameLengthFlag = bitPosition < data.Length * 8 && ReadBits(data, ref bitPosition, 1) == 1;
        if (objectType == 0 || frequency == 0 || bitPosition > data.Length * 8)
        {
            return false;
        }

        config = new AudioSpecificConfig(objectType, index, frequency, channels, data.ToArray())
        {
            SamplesPerFrame = frameLengthFlag && objectType is 1 or 2 or 3 or 4 ? 960 : 1024,
        };
        consumed = data.Length;
        return true;
    }

    /// <summary>Bytes <see cref="TryWrite"/> produces.</summary>
    public int GetSerializedLength() => Raw.Length;

    /// <summary>Writes <see cref="Raw"/>.</summary>
    public bool TryWrite(Span<byte> destination, out int written)
    {
        written = Raw.AsSpan().TryCopyTo(destination) ? Raw.Length : 0;
        return written != 0;
    }

    private static uint ReadBits(ReadOnlySpan<byte> data, ref int bitPosition, int count)
    {
        uint value = 0;
        for (var i = 0; i < count; i++, bitPosition++)
        {
            var bit = bitPosition < data.Length * 8 ? (data[bitPosition >> 3] >> (7 - (bitPosition & 7))) & 1 : 0;
            value = (value << 1) | (uint)bit;
        }

        return value;
    }
}
