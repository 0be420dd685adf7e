namespace EmsSharp.Media.H264;

/// <summary>
/// The fields of an H.264 sequence parameter set (ITU-T H.264 §7.3.2.1.1, VUI Annex E.1.1) that a
/// server needs: profile/level for the codec string, the cropped picture size and the frame rate.
/// </summary>
/// <param name="ProfileIdc">profile_idc (66 Baseline, 77 Main, 100 High…).</param>
/// <param name="ConstraintFlags">The byte holding constraint_set0..5_flag and reserved_zero_2bits.</param>
/// <param name="LevelIdc">level_idc (e.g. 31 for level 3.1).</param>
/// <param name="SeqParameterSetId">seq_parameter_set_id.</param>
/// <param name="ChromaFormatIdc">chroma_format_idc (1 = 4:2:0 when absent).</param>
/// <param name="BitDepthLuma">Luma bit depth (8 when absent).</param>
/// <param name="BitDepthChroma">Chroma bit depth (8 when absent).</param>
/// <param name="Width">Picture width in pixels after frame cropping.</param>
/// <param name="Height">Picture height in pixels after frame cropping.</param>
/// <param name="FrameRate">time_scale ÷ (2 · num_units_in_tick) from the VUI timing info, or null.</param>
public readonly record struct SequenceParameterSet(
    byte ProfileIdc,
    byte ConstraintFlags,
    byte LevelIdc,
    uint SeqParameterSetId,
    uint ChromaFormatIdc,
    int BitDepthLuma,
    int BitDepthChroma,
    int Width,
    int Height,
    double? FrameRate)
{
    /// <summary>The RFC 6381 §3.3 codec string <c>avc1.PPCCLL</c> (hex profile, constraints, level).</summary>
    public string CodecString => AvcDecoderConfigurationRecord.FormatCodecString(ProfileIdc, ConstraintFlags, LevelIdc);

    /// <summary>Profiles whose SPS carries chroma_format_idc and the bit depths (§7.3.2.1.1).</summary>
    public static bool HasChromaInfo(int profileIdc) => profileIdc is 100 or 110 or 122 or 244 or 44 or 83 or 86
        or 118 or 128 or 138 or 139 or 134 or 135;
}
