using EmsSharp.Media.H264;

namespace EmsSharp.Media.Tests.H264;

public class AvcDecoderConfigurationRecordTests
{
    private static readonly byte[] Sps = Convert.FromHexString("6764001facd9405005bb011000000300100000030320f1831960");
    private static readonly byte[] Pps = Convert.FromHexString("68ebe3cb22c0");

    [Fact]
    public void Round_trips_and_matches_the_iso_layout()
    {
        var record = new AvcDecoderConfigurationRecord([Sps], [Pps]);
        var bytes = new byte[record.GetSerializedLength()];
        Assert.True(record.TryWrite(bytes, out var written));
        Assert.Equal(bytes.Length, written);
        Assert.Equal("0164001FFFE1001A", Convert.ToHexString(bytes.AsSpan(0, 8)));
        Assert.Equal("avc1.64001F", record.CodecString);

        Assert.True(AvcDecoderConfigurationRecord.TryRead(bytes, out var parsed, out var consumed));
        Assert.Equal(bytes.Length, consumed);
        Assert.Equal(4, parsed.NalLengthSize);
        Assert.Equal(Sps, parsed.SequenceParameterSets[0]);
        Assert.Equal(Pps, parsed.PictureParameterSets[0]);
        Assert.False(parsed.HasHighProfileExtension);
    }

    [Fact]
    public void Round_trips_the_high_profile_extension()
    {
        var record = new AvcDecoderConfigurationRecord([Sps], [Pps]).WithHighProfileExtension(1, 0, 0, []);
        var bytes = new byte[record.GetSerializedLength()];
        Assert.True(record.TryWrite(bytes, out _));
        Assert.Equal("FDF8F800", Convert.ToHexString(bytes.AsSpan(bytes.Length - 4)));
        Assert.True(AvcDecoderConfigurationRecord.TryRead(bytes, out var parsed, out _));
        Assert.True(parsed.HasHighProfileExtension);
        Assert.Equal(1, parsed.ChromaFormat);
    }

    public static TheoryData<string> Malformed => new()
    {
        "",
        "0164001FFFE1", // truncated before the SPS length
        "0264001FFFE10004676400", // configurationVersion 2
        "0164001FFFE1001A6764", // SPS length past the end
        "0164001FFFE0000000", // no SPS
        "0164001FFEE100046764001F01", // lengthSizeMinusOne = 2 (3-byte lengths are not allowed)
        "0164001FFFE100046764001F", // PPS count missing
        "0164001FFFE100046764001F010005", // PPS length past the end
        "0164001FFFE100000100", // zero-length SPS
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Rejects_malformed(string hex) =>
        Assert.False(AvcDecoderConfigurationRecord.TryRead(Convert.FromHexString(hex), out _, out _));
}
