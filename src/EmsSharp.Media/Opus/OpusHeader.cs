using System.Buffers.Binary;

namespace EmsSharp.Media.Opus;

/// <summary>
/// The Opus identification header, "OpusHead" (RFC 7845 §5.1), all multi-byte fields little-endian:
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |      'O'      |      'p'      |      'u'      |      's'      |
/// |      'H'      |      'e'      |      'a'      |      'd'      |
/// |  Version = 1  | Channel Count |           Pre-skip            |
/// |                     Input Sample Rate (Hz)                    |
/// |   Output Gain (Q7.8 in dB)    | Mapping Family|               :
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+               :
/// :               Optional Channel Mapping Table...               :
/// </code>
/// The channel mapping table (§5.1.1) is present when the family is not 0: stream count, coupled count, then one
/// mapping byte per output channel.
/// </summary>
/// <param name="ChannelCount">Output channels, 1 to 255.</param>
/// <param name="PreSkip">Samples (at 48 kHz) to discard from the decoder's output at the start.</param>
/// <param name="InputSampleRate">The original input's sample rate (informational; 0 when unknown).</param>
/// <param name="OutputGain">Gain to apply to the decoded output, Q7.8 dB.</param>
/// <param name="MappingFamily">Channel mapping family: 0 = mono/stereo, one stream.</param>
/// <param name="StreamCount">Streams in each packet (1 for family 0).</param>
/// <param name="CoupledCount">Streams that are stereo pairs (channel count - 1 for family 0).</param>
/// <param name="ChannelMapping">Per output channel, the decoded channel it takes (empty for family 0).</param>
public sealed record OpusHeader(
    int ChannelCount,
    ushort PreSkip,
    uint InputSampleRate,
    short OutputGain,
    byte MappingFamily,
    byte StreamCount,
    byte CoupledCount,
    byte[] ChannelMapping)
{
    /// <summary>Size of the header without a channel mapping table.</summary>
    public const int MinSize = 19;

    /// <summary>Largest header: the fixed part, stream and coupled counts, and a mapping byte for 255 channels.</summary>
    public const int MaxSize = MinSize + 2 + 255;

    /// <summary>
    /// The pre-skip assumed when a stream has no header (WebRTC's RTP carries none): 312 samples, libopus's look-ahead
    /// at 48 kHz that the common encoders (and so the common muxers) use.
    /// </summary>
    public const ushort DefaultPreSkip = 312;

    /// <summary>
    /// Reads the header at the start of <paramref name="data"/> (at most <see cref="MaxSize"/> bytes of it); false for a
    /// wrong magic, an unknown major version (§5.1: the upper 4 bits), zero channels, family 0 with more than 2 channels,
    /// or a channel mapping table that is cut short or inconsistent (§5.1.1).
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> data, out OpusHeader header, out int consumed)
    {
        header = null!;
        consumed = 0;
        if (data.Length < MinSize || !data.StartsWith("OpusHead"u8) || (data[8] & 0xF0) != 0 || data[9] == 0)
            return false;

        int channels = data[9];
        var family = data[18];
        if (family == 0)
        {
            if (channels > 2)
                return false;
            header = new OpusHeader(channels, BinaryPrimitives.ReadUInt16LittleEndian(data[10..]),
                BinaryPrimitives.ReadUInt32LittleEndian(data[12..]), BinaryPrimitives.ReadInt16LittleEndian(data[16..]),
                0, 1, (byte)(channels - 1), []);
            consumed = MinSize;
            return true;
        }

        // §5.1.1: stream count N >= 1, coupled count M <= N, M + N <= 255; each mapping index < M + N, or 255 (silence).
        var length = MinSize + 2 + channels;
        if (data.Length < length)
            return false;
        var streams = data[19];
        var coupled = data[20];
        if (streams == 0 || coupled > streams || streams + coupled > 255)
            return false;
        var mapping = data.Slice(21, channels);
        foreach (var index in mapping)
        {
            if (index != 255 && index >= streams + coupled)
                return false;
        }

        header = new OpusHeader(channels, BinaryPrimitives.ReadUInt16LittleEndian(data[10..]),
            BinaryPrimitives.ReadUInt32LittleEndian(data[12..]), BinaryPrimitives.ReadInt16LittleEndian(data[16..]),
            family, streams, coupled, mapping.ToArray());
        consumed = length;
        return true;
    }

    /// <summary>The header a stream without one is taken to have: family 0, <see cref="DefaultPreSkip"/>, 48 kHz input.</summary>
    public static OpusHeader CreateDefault(int channelCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channelCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(channelCount, 2);
        return new OpusHeader(channelCount, DefaultPreSkip, 48_000, 0, 0, 1, (byte)(channelCount - 1), []);
    }
}
