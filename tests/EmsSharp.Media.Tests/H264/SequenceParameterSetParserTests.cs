using EmsSharp.Media.H264;

namespace EmsSharp.Media.Tests.H264;

public class SequenceParameterSetParserTests
{
    // SPS NAL units written by ffmpeg 7 / libx264 for lavfi testsrc2 at the given size, profile and rate
    // (`ffmpeg -f lavfi -i testsrc2=size=WxH:rate=R -frames:v 1 -c:v libx264 -profile:v P -f h264`).
    public static TheoryData<string, int, int, int, int, int, double?, uint> Libx264Sps => new()
    {
        // Baseline 640x360: cropping (368 → 360) and an emulation prevention byte in the VUI.
        { "6742c01ed900a02ff970110000030001000003003c0f162e48", 66, 0xC0, 30, 640, 360, 30.0, 1 },
        { "6764001facd9405005bb011000000300100000030320f1831960", 100, 0x00, 31, 1280, 720, 25.0, 1 },
        { "674d4028eca03c0113f2e022000007d20001d4c01e30632c", 77, 0x40, 40, 1920, 1080, 30000 / 1001.0, 1 },
        // High 4:4:4 Predictive: chroma_format_idc 3 changes the crop units.
        { "67f4000c919b28283f60220000030002000003003c1e28532c", 244, 0x00, 12, 320, 240, 15.0, 3 },
    };

    [Theory]
    [MemberData(nameof(Libx264Sps))]
    public void Parses_libx264_sps(string hex, int profile, int constraints, int level, int width, int height,
        double? fps, uint chroma)
    {
        Assert.True(SequenceParameterSetParser.TryParse(Convert.FromHexString(hex), out var sps));
        Assert.Equal(profile, sps.ProfileIdc);
        Assert.Equal(constraints, sps.ConstraintFlags);
        Assert.Equal(level, sps.LevelIdc);
        Assert.Equal(width, sps.Width);
        Assert.Equal(height, sps.Height);
        Assert.Equal(chroma, sps.ChromaFormatIdc);
        Assert.NotNull(sps.FrameRate);
        Assert.Equal(fps!.Value, sps.FrameRate!.Value, 3);
        Assert.Equal($"avc1.{profile:X2}{constraints:X2}{level:X2}", sps.CodecString);
    }

    public static TheoryData<string> Malformed => new()
    {
        "", // empty
        "67", // header only
        "6742c0", // truncated before level
        "6842c01ed900a02ff970", // a PPS, not an SPS
        "6742c01e", // no seq_parameter_set_id bits at all
        "6742c01ed9", // truncated mid-way
        "6764001f00000000", // ue(v) with more than 31 leading zeros
        "6742c01e8080", // sps id then truncated (ends before pic size)
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Rejects_malformed(string hex) =>
        Assert.False(SequenceParameterSetParser.TryParse(Convert.FromHexString(hex), out _));

    [Fact]
    public void Rejects_oversized_input()
    {
        var big = new byte[SequenceParameterSetParser.MaxSpsSize + 1];
        big[0] = 0x67;
        Assert.False(SequenceParameterSetParser.TryParse(big, out _));
    }
}
