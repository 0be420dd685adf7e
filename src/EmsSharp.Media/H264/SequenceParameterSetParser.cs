namespace EmsSharp.Media.H264;

/// <summary>Parses an SPS NAL unit into <see cref="SequenceParameterSet"/> (ITU-T H.264 §7.3.2.1.1).</summary>
public static class SequenceParameterSetParser
{
    /// <summary>Largest SPS NAL unit accepted (bytes); real ones are well under 100.</summary>
    public const int MaxSpsSize = 4096;

    /// <summary>
    /// Parses <paramref name="nal"/>, a whole SPS NAL unit starting with its header byte (type 7),
    /// emulation prevention bytes included. False when the unit is not an SPS, is truncated, or has
    /// out-of-range fields.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> nal, out SequenceParameterSet sps)
    {
        sps = default;
        if (nal.Length < 4 || nal.Length > MaxSpsSize || NalUnitHeader.GetType(nal[0]) != NalUnitType.Sps)
        {
            return false;
        }

        var r = new RbspBitReader(nal[1..]);
        var profileIdc = (byte)r.ReadBits(8);
        var constraints = (byte)r.ReadBits(8);
        var levelIdc = (byte)r.ReadBits(8);
        var spsId = r.ReadUnsignedExpGolomb();
        if (spsId > 31)
        {
            return false;
        }

        uint chromaFormatIdc = 1;
        var separateColourPlane = false;
        uint bitDepthLuma = 8;
        uint bitDepthChroma = 8;
        if (SequenceParameterSet.HasChromaInfo(profileIdc))
        {
            chromaFormatIdc = r.ReadUnsignedExpGolomb();
            if (chromaFormatIdc > 3)
            {
                return false;
            }

            if (chromaFormatIdc == 3)
            {
                separateColourPlane = r.ReadFlag();
            }

            bitDepthLuma = r.ReadUnsignedExpGolomb() + 8;
            bitDepthChroma = r.ReadUnsignedExpGolomb() + 8;
            if (bitDepthLuma > 14 || bitDepthChroma > 14)
            {
                return false;
            }

            _ = r.ReadFlag(); // qpprime_y_zero_transform_bypass_flag
            if (r.ReadFlag() && !SkipScalingMatrix(ref r, chromaFormatIdc == 3 ? 12 : 8))
            {
                return false;
            }
        }

        if (r.ReadUnsignedExpGolomb() > 12) // log2_max_frame_num_minus4
        {
            return false;
        }

        var picOrderCntType = r.ReadUnsignedExpGolomb();
        if (picOrderCntType == 0)
        {
            if (r.ReadUnsignedExpGolomb() > 12) // log2_max_pic_order_cnt_lsb_minus4
            {
                return false;
            }
        }
        else if (picOrderCntType == 1)
        {
            _ = r.ReadFlag(); // delta_pic_order_always_zero_flag
            _ = r.ReadSignedExpGolomb(); // offset_for_non_ref_pic
            _ = r.ReadSignedExpGolomb(); // offset_for_top_to_bottom_field
            var cycle = r.ReadUnsignedExpGolomb();
            if (cycle > 255)
            {
                return false;
            }

            for (var i = 0; i < cycle && !r.IsOverrun; i++)
            {
                _ = r.ReadSignedExpGolomb(); // offset_for_ref_frame[i]
            }
        }
        else if (picOrderCntType != 2)
        {
            return false;
        }

        _ = r.ReadUnsignedExpGolomb(); // max_num_ref_frames
        _ = r.ReadFlag(); // gaps_in_frame_num_value_allowed_flag
        var widthInMbs = r.ReadUnsignedExpGolomb() + 1;
        var heightInMapUnits = r.ReadUnsignedExpGolomb() + 1;
        var frameMbsOnly = r.ReadFlag();
        if (!frameMbsOnly)
        {
            _ = r.ReadFlag(); // mb_adaptive_frame_field_flag
        }

        _ = r.ReadFlag(); // direct_8x8_inference_flag
        uint cropLeft = 0, cropRight = 0, cropTop = 0, cropBottom = 0;
        if (r.ReadFlag()) // frame_cropping_flag
        {
            cropLeft = r.ReadUnsignedExpGolomb();
            cropRight = r.ReadUnsignedExpGolomb();
            cropTop = r.ReadUnsignedExpGolomb();
            cropBottom = r.ReadUnsignedExpGolomb();
        }

        double? frameRate = null;
        if (r.ReadFlag()) // vui_parameters_present_flag
        {
            frameRate = ReadVuiFrameRate(ref r);
        }

        if (r.IsOverrun || widthInMbs > 1024 || heightInMapUnits > 1024)
        {
            return false;
        }

        // §7.4.2.1.1: frame height and the crop units depend on ChromaArrayType and frame_mbs_only_flag.
        var fieldFactor = frameMbsOnly ? 1L : 2L;
        var chromaArrayType = separateColourPlane ? 0 : chromaFormatIdc;
        long cropUnitX = chromaArrayType == 0 ? 1 : (chromaFormatIdc == 3 ? 1 : 2);
        long cropUnitY = chromaArrayType == 0 ? fieldFactor : (chromaFormatIdc == 1 ? 2 : 1) * fieldFactor;
        var width = (widthInMbs * 16L) - (cropUnitX * (cropLeft + (long)cropRight));
        var height = (fieldFactor * heightInMapUnits * 16L) - (cropUnitY * (cropTop + (long)cropBottom));
        if (width <= 0 || height <= 0)
        {
            return false;
        }

        sps = new SequenceParameterSet(profileIdc, constraints, levelIdc, spsId, chromaFormatIdc,
            (int)bitDepthLuma, (int)bitDepthChroma, (int)width, (int)height, frameRate);
        return true;
    }

    // §7.3.2.1.1.1 scaling_list(): only parsed to get past it.
    private static bool SkipScalingMatrix(ref RbspBitReader r, int count)
    {
        for (var i = 0; i < count; i++)
        {
            if (!r.ReadFlag())
            {
                continue;
            }

            var size = i < 6 ? 16 : 64;
            int last = 8, next = 8;
            for (var j = 0; j < size && !r.IsOverrun; j++)
            {
                if (next != 0)
                {
                    var delta = r.ReadSignedExpGolomb();
                    if (delta is < -128 or > 127)
                    {
                        return false;
                    }

                    next = (last + delta + 256) % 256;
                }

                last = next == 0 ? last : next;
            }
        }

        return !r.IsOverrun;
    }

    // Annex E.1.1 vui_parameters() up to timing info; E.2.1: frame rate = time_scale / (2 * num_units_in_tick).
    private static double? ReadVuiFrameRate(ref RbspBitReader r)
    {
        if (r.ReadFlag() && r.ReadBits(8) == 255) // aspect_ratio_info_present_flag, aspect_ratio_idc == Extended_SAR
        {
            _ = r.ReadBits(16); // sar_width
            _ = r.ReadBits(16); // sar_height
        }

        if (r.ReadFlag()) // overscan_info_present_flag
        {
            _ = r.ReadFlag(); // overscan_appropriate_flag
        }

        if (r.ReadFlag()) // video_signal_type_present_flag
        {
            _ = r.ReadBits(3); // video_format
            _ = r.ReadFlag(); // video_full_range_flag
            if (r.ReadFlag()) // colour_description_present_flag
            {
                _ = r.ReadBits(24); // colour_primaries, transfer_characteristics, matrix_coefficients
            }
        }

        if (r.ReadFlag()) // chroma_loc_info_present_flag
        {
            _ = r.ReadUnsignedExpGolomb();
            _ = r.ReadUnsignedExpGolomb();
        }

        if (!r.ReadFlag()) // timing_info_present_flag
        {
            return null;
        }

        var numUnitsInTick = r.ReadBits(32);
        var timeScale = r.ReadBits(32);
        return r.IsOverrun || numUnitsInTick == 0 || timeScale == 0
            ? null
            : timeScale / (2.0 * numUnitsInTick);
    }
}
