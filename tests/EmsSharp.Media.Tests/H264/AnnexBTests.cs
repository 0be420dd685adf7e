using EmsSharp.Media.H264;

namespace EmsSharp.Media.Tests.H264;

public class AnnexBTests
{
    private static List<string> Split(string hex)
    {
        var result = new List<string>();
        foreach (var nal in new AnnexBNalEnumerator(Convert.FromHexString(hex)))
        {
            result.Add(Convert.ToHexString(nal));
        }

        return result;
    }

    public static TheoryData<string, string[]> Cases => new()
    {
        { "", [] },
        { "000001", [] },
        { "0000000165AA", ["65AA"] },
        { "00000165AA", ["65AA"] },
        { "00000167AA00000168BB0000000165CC", ["67AA", "68BB", "65CC"] },
        // Leading garbage before the first start code is ignored.
        { "FFEE00000165AA", ["65AA"] },
        // Emulation prevention stays: 00 00 03 01 is payload, not a start code.
        { "0000016500000301", ["6500000301"] },
        // trailing_zero_8bits are trimmed.
        { "00000165AA000000000000000168BB0000", ["65AA", "68BB"] },
        // Empty NAL units between start codes are skipped.
        { "00000100000165AA", ["65AA"] },
        // 00 00 02 is not a start code; the zero before 00 00 01 makes a 4-byte start code.
        { "000001650000020000000168", ["65000002", "68"] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Splits_annex_b(string input, string[] expected) => Assert.Equal(expected, Split(input));

    [Fact]
    public void Converts_annex_b_to_avcc_and_back()
    {
        var annexB = Convert.FromHexString("00000167AA00000168BB0000000165CCDD000003");
        var avcc = new byte[AnnexB.GetAvccLength(annexB)];
        Assert.True(AnnexB.TryConvertToAvcc(annexB, avcc, out var written));
        Assert.Equal("0000000267AA0000000268BB0000000665CCDD000003", Convert.ToHexString(avcc.AsSpan(0, written)));

        var back = new byte[AnnexB.GetAnnexBLength(avcc)];
        Assert.True(AnnexB.TryConvertToAnnexB(avcc, back, out written));
        Assert.Equal("0000000167AA0000000168BB0000000165CCDD000003", Convert.ToHexString(back.AsSpan(0, written)));
    }

    [Fact]
    public void Avcc_conversion_fails_on_small_destination() =>
        Assert.False(AnnexB.TryConvertToAvcc(Convert.FromHexString("00000165AABB"), new byte[6], out _));

    public static TheoryData<string> MalformedAvcc => new()
    {
        "000000", // truncated length
        "0000000565AA", // length past the end
        "00000000", // zero length
        "0000000165FF", // second length truncated
    };

    [Theory]
    [MemberData(nameof(MalformedAvcc))]
    public void Rejects_malformed_avcc(string hex)
    {
        var avcc = Convert.FromHexString(hex);
        Assert.Equal(-1, AnnexB.GetAnnexBLength(avcc));
        Assert.False(AnnexB.TryConvertToAnnexB(avcc, new byte[64], out _));
    }

    [Fact]
    public void Nal_header_helpers()
    {
        Assert.Equal(NalUnitType.IdrSlice, NalUnitHeader.GetType(0x65));
        Assert.Equal(3, NalUnitHeader.GetRefIdc(0x65));
        Assert.False(NalUnitHeader.IsForbiddenBitSet(0x65));
        Assert.True(NalUnitHeader.IsVcl(NalUnitType.Slice));
        Assert.False(NalUnitHeader.IsVcl(NalUnitType.Sps));
        Assert.True(NalUnitHeader.IsFirstSliceOfPicture([0x65, 0x88]));
        Assert.False(NalUnitHeader.IsFirstSliceOfPicture([0x41, 0x40]));
    }
}
