using System.Buffers.Binary;

namespace EmsSharp.Media.H264;

/// <summary>
/// AVCDecoderConfigurationRecord, the body of the <c>avcC</c> box (ISO/IEC 14496-15 §5.3.3.1):
/// <code>
/// configurationVersion = 1            u8
/// AVCProfileIndication                u8
/// profile_compatibility               u8
/// AVCLevelIndication                  u8
/// reserved '111111' lengthSizeMinusOne u8
/// reserved '111' numOfSequenceParameterSets(5) u8, then { u16 length, SPS NAL unit }*
/// numOfPictureParameterSets           u8, then { u16 length, PPS NAL unit }*
/// if profile is 100, 110, 122 or 144 (optional in practice):
///   '111111' chroma_format(2), '11111' bit_depth_luma_minus8(3), '11111' bit_depth_chroma_minus8(3),
///   numOfSequenceParameterSetExt u8, then { u16 length, SPS-ext NAL unit }*
/// </code>
/// </summary>
public sealed class AvcDecoderConfigurationRecord
{
    /// <summary>Largest record accepted by <see cref="TryRead"/>.</summary>
    public const int MaxSize = 64 * 1024;

    /// <summary>Creates a record from parameter sets; profile, compatibility and level are taken from the first SPS.</summary>
    public AvcDecoderConfigurationRecord(IReadOnlyList<byte[]> sequenceParameterSets,
        IReadOnlyList<byte[]> pictureParameterSets, int nalLengthSize = 4)
    {
        ArgumentOutOfRangeException.ThrowIfZero(sequenceParameterSets.Count);
        var sps = sequenceParameterSets[0];
        ArgumentOutOfRangeException.ThrowIfLessThan(sps.Length, 4);
        SequenceParameterSets = sequenceParameterSets;
        PictureParameterSets = pictureParameterSets;
        ProfileIndication = sps[1];
        ProfileCompatibility = sps[2];
        LevelIndication = sps[3];
        NalLengthSize = nalLengthSize;
        SequenceParameterSetExtensions = [];
    }

    private AvcDecoderConfigurationRecord(byte profile, byte compatibility, byte level, int nalLengthSize,
        byte[][] sps, byte[][] pps)
    {
        ProfileIndication = profile;
        ProfileCompatibility = compatibility;
        LevelIndication = level;
        NalLengthSize = nalLengthSize;
        SequenceParameterSets = sps;
        PictureParameterSets = pps;
        SequenceParameterSetExtensions = [];
    }

    /// <summary>AVCProfileIndication (profile_idc).</summary>
    public byte ProfileIndication { get; }

    /// <summary>profile_compatibility (the SPS constraint flags byte).</summary>
    public byte ProfileCompatibility { get; }

    /// <summary>AVCLevelIndication (level_idc).</summary>
    public byte LevelIndication { get; }

    /// <summary>Bytes of each NAL length prefix in samples: 1, 2 or 4.</summary>
    public int NalLengthSize { get; }

    /// <summary>SPS NAL units, header byte included.</summary>
    public IReadOnlyList<byte[]> SequenceParameterSets { get; }

    /// <summary>PPS NAL units, header byte included.</summary>
    public IReadOnlyList<byte[]> PictureParameterSets { get; }

    /// <summary>True when the high-profile extension (chroma format, bit depths, SPS-ext) is present.</summary>
    public bool HasHighProfileExtension { get; private init; }

    /// <summary>chroma_format of the extension.</summary>
    public byte ChromaFormat { get; private init; }

    /// <summary>bit_depth_luma_minus8 of the extension.</summary>
    public byte BitDepthLumaMinus8 { get; private init; }

    /// <summary>bit_depth_chroma_minus8 of the extension.</summary>
    public byte BitDepthChromaMinus8 { get; private init; }

    /// <summary>SPS extension NAL units of the extension.</summary>
    public IReadOnlyList<byte[]> SequenceParameterSetExtensions { get; private init; }

    /// <summary>The RFC 6381 codec string <c>avc1.PPCCLL</c>.</summary>
    public string CodecString => FormatCodecString(ProfileIndication, ProfileCompatibility, LevelIndication);

    /// <summary>Formats <c>avc1.PPCCLL</c> from profile_idc, the constraint byte and level_idc (upper-case hex).</summary>
    public static string FormatCodecString(byte profile, byte constraints, byte level) =>
        string.Create(null, stackalloc char[11], $"avc1.{profile:X2}{constraints:X2}{level:X2}");

    /// <summary>Copies this record with the high-profile extension fields set.</summary>
    public AvcDecoderConfigurationRecord WithHighProfileExtension(byte chromaFormat, byte bitDepthLumaMinus8,
        byte bitDepthChromaMinus8, IReadOnlyList<byte[]> spsExtensions) =>
        new(ProfileIndication, ProfileCompatibility, LevelIndication, NalLengthSize,
            [.. SequenceParameterSets], [.. PictureParameterSets])
        {
            HasHighProfileExtension = true,
            ChromaFormat = (byte)(chromaFormat & 3),
            BitDepthLumaMinus8 = (byte)(bitDepthLumaMinus8 & 7),
            BitDepthChromaMinus8 = (byte)(bitDepthChromaMinus8 & 7),
            SequenceParameterSetExtensions = spsExtensions,
        };

    /// <summary>Parses a record (the avcC box body). False on a wrong version, truncation or a size over <see cref="MaxSize"/>.</summary>
    public static bool TryRead(ReadOnlySpan<byte> data, out AvcDecoderConfigurationRecord record, out int consumed)
    {
        record = null!;
        consumed = 0;
        if (data.Length < 7 || data.Length > MaxSize || data[0] != 1)
        {
            return false;
        }

        var nalLengthSize = (data[4] & 0x03) + 1;
        if (nalLengthSize == 3)
        {
            return false;
        }

        var position = 5;
        if (!TryReadSets(data, ref position, data[position++] & 0x1F, out var sps) || sps.Length == 0
            || position >= data.Length
            || !TryReadSets(data, ref position, data[position++], out var pps))
        {
            return false;
        }

        var result = new AvcDecoderConfigurationRecord(data[1], data[2], data[3], nalLengthSize, sps, pps);
        if (HasExtensionProfile(data[1]) && data.Length - position >= 4)
        {
            var extStart = position;
            position += 3;
            if (!TryReadSets(data, ref position, data[position++], out var ext))
            {
                return false;
            }

            result = new AvcDecoderConfigurationRecord(data[1], data[2], data[3], nalLengthSize, sps, pps)
            {
                HasHighProfileExtension = true,
                ChromaFormat = (byte)(data[extStart] & 3),
                BitDepthLumaMinus8 = (byte)(data[extStart + 1] & 7),
                BitDepthChromaMinus8 = (byte)(data[extStart + 2] & 7),
                SequenceParameterSetExtensions = ext,
            };
        }

        record = result;
        consumed = position;
        return true;
    }

    /// <summary>Bytes <see cref="TryWrite"/> produces.</summary>
    public int GetSerializedLength()
    {
        var length = 7 + SetsLength(SequenceParameterSets) + SetsLength(PictureParameterSets);
        return HasHighProfileExtension ? length + 4 + SetsLength(SequenceParameterSetExtensions) : length;
    }

    /// <summary>Writes the record. False if <paramref name="destination"/> is too small or a set does not fit its length field.</summary>
    public bool TryWrite(Span<byte> destination, out int written)
    {
        written = 0;
        var length = GetSerializedLength();
        if (destination.Length < length || SequenceParameterSets.Count > 31 || PictureParameterSets.Count > 255
            || SequenceParameterSetExtensions.Count > 255)
        {
            return false;
        }

        destination[0] = 1;
        destination[1] = ProfileIndication;
        destination[2] = ProfileCompatibility;
        destination[3] = LevelIndication;
        destination[4] = (byte)(0xFC | (NalLengthSize - 1));
        destination[5] = (byte)(0xE0 | SequenceParameterSets.Count);
        var position = 6;
        if (!TryWriteSets(destination, ref position, SequenceParameterSets))
        {
            return false;
        }

        destination[position++] = (byte)PictureParameterSets.Count;
        if (!TryWriteSets(destination, ref position, PictureParameterSets))
        {
            return false;
        }

        if (HasHighProfileExtension)
        {
            destination[position++] = (byte)(0xFC | ChromaFormat);
            destination[position++] = (byte)(0xF8 | BitDepthLumaMinus8);
            destination[position++] = (byte)(0xF8 | BitDepthChromaMinus8);
            destination[position++] = (byte)SequenceParameterSetExtensions.Count;
            if (!TryWriteSets(destination, ref position, SequenceParameterSetExtensions))
            {
                return false;
            }
        }

        written = position;
        return true;
    }

    private static bool HasExtensionProfile(byte profile) => profile is 100 or 110 or 122 or 144;

    private static int SetsLength(IReadOnlyList<byte[]> sets)
    {
        var total = 0;
        for (var i = 0; i < sets.Count; i++)
        {
            total += 2 + sets[i].Length;
        }

        return total;
    }

    private static bool TryReadSets(ReadOnlySpan<byte> data, ref int position, int count, out byte[][] sets)
    {
        sets = new byte[count][];
        for (var i = 0; i < count; i++)
        {
            if (data.Length - position < 2)
            {
                return false;
            }

            var length = BinaryPrimitives.ReadUInt16BigEndian(data[position..]);
            position += 2;
            if (length == 0 || data.Length - position < length)
            {
                return false;
            }

            sets[i] = data.Slice(position, length).ToArray();
            position += length;
        }

        return true;
    }

    private static bool TryWriteSets(Span<byte> destination, ref int position, IReadOnlyList<byte[]> sets)
    {
        for (var i = 0; i < sets.Count; i++)
        {
            var set = sets[i];
            if (set.Length is 0 or > ushort.MaxValue)
            {
                return false;
            }

            BinaryPrimitives.WriteUInt16BigEndian(destination[position..], (ushort)set.Length);
            set.CopyTo(destination[(position + 2)..]);
            position += 2 + set.Length;
        }

        return true;
    }
}
