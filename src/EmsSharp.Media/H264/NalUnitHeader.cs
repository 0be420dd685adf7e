namespace EmsSharp.Media.H264;

/// <summary>
/// The one-byte H.264 NAL unit header (ITU-T H.264 §7.3.1):
/// <code>
/// +---------------+
/// |0|1|2|3|4|5|6|7|
/// +-+-+-+-+-+-+-+-+
/// |F|NRI|  Type   |
/// +---------------+
/// </code>
/// </summary>
public static class NalUnitHeader
{
    /// <summary>nal_unit_type of a NAL unit whose first byte is <paramref name="header"/>.</summary>
    public static NalUnitType GetType(byte header) => (NalUnitType)(header & 0x1F);

    /// <summary>nal_ref_idc (0..3) of a NAL unit header.</summary>
    public static int GetRefIdc(byte header) => (header >> 5) & 0x03;

    /// <summary>forbidden_zero_bit: a conforming NAL unit has it clear.</summary>
    public static bool IsForbiddenBitSet(byte header) => (header & 0x80) != 0;

    /// <summary>True for slice NAL units (types 1-5), which carry picture data.</summary>
    public static bool IsVcl(NalUnitType type) => type is >= NalUnitType.Slice and <= NalUnitType.IdrSlice;

    /// <summary>
    /// True when a VCL NAL unit starts a new picture: its slice header's first_mb_in_slice ue(v) is 0,
    /// i.e. the first bit after the NAL header is 1 (ITU-T H.264 §7.3.3, §9.1).
    /// </summary>
    public static bool IsFirstSliceOfPicture(ReadOnlySpan<byte> nal) =>
        nal.Length > 1 && IsVcl(GetType(nal[0])) && (nal[1] & 0x80) != 0;
}
