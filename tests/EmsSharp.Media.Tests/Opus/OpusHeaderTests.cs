using EmsSharp.Media.Opus;

namespace EmsSharp.Media.Tests.Opus;

public class OpusHeaderTests
{
    // RFC 7845 §5.1: "OpusHead", version 1, 2 channels, pre-skip 312 (0x0138 LE), 48000 Hz (LE), gain 0, family 0.
    private const string Stereo = "4F707573486561640102380180BB0000000000";

    [Fact]
    public void Reads_a_family_0_header()
    {
        Assert.True(OpusHeader.TryRead(Convert.FromHexString(Stereo + "FFFF"), out var header, out var consumed));
        Assert.Equal(OpusHeader.MinSize, consumed);
        Assert.Equal(2, header.ChannelCount);
        Assert.Equal(312, header.PreSkip);
        Assert.Equal(48_000u, header.InputSampleRate);
        Assert.Equal(0, header.OutputGain);
        Assert.Equal(0, header.MappingFamily);
        Assert.Equal(1, header.StreamCount);
        Assert.Equal(1, header.CoupledCount);
        Assert.Empty(header.ChannelMapping);
    }

    [Fact]
    public void Reads_a_channel_mapping_table()
    {
        // §5.1.1.2: family 1, 3 channels (L, C, R): 2 streams, 1 coupled, mapping 0 2 1; gain -1 dB (0xFF00 Q7.8, LE).
        var bytes = Convert.FromHexString("4F70757348656164010300010000000000FF01" + "0201" + "000201");
        Assert.True(OpusHeader.TryRead(bytes, out var header, out var consumed));
        Assert.Equal(bytes.Length, consumed);
        Assert.Equal(3, header.ChannelCount);
        Assert.Equal(256, header.PreSkip);
        Assert.Equal(-256, header.OutputGain);
        Assert.Equal(1, header.MappingFamily);
        Assert.Equal(2, header.StreamCount);
        Assert.Equal(1, header.CoupledCount);
        Assert.Equal([0, 2, 1], header.ChannelMapping);
    }

    [Theory]
    [InlineData("")]
    [InlineData("4F707573486561640102380180BB00000000")] // one byte short of the fixed part
    [InlineData("4F707573546167730102380180BB0000000000")] // "OpusTags", not "OpusHead"
    [InlineData("4F707573486561641102380180BB0000000000")] // major version 1 (§5.1: incompatible)
    [InlineData("4F707573486561640100380180BB0000000000")] // no channels
    [InlineData("4F707573486561640103380180BB0000000000")] // family 0 with 3 channels
    [InlineData("4F707573486561640103380180BB000000000102")] // family 1, table cut short
    [InlineData("4F707573486561640102380180BB000000000100010001")] // no streams
    [InlineData("4F707573486561640102380180BB000000000101020001")] // more coupled than streams
    [InlineData("4F707573486561640102380180BB000000000101000002")] // a mapping index past the decoded channels
    public void Rejects_malformed_headers(string hex)
    {
        Assert.False(OpusHeader.TryRead(Convert.FromHexString(hex), out _, out var consumed));
        Assert.Equal(0, consumed);
    }

    [Fact]
    public void Takes_at_most_the_largest_header()
    {
        // 255 channels, family 255: the table is as long as a header gets; what follows is not read.
        var bytes = new byte[OpusHeader.MaxSize + 10];
        Convert.FromHexString("4F7075734865616401FF380180BB00000000FF").CopyTo(bytes, 0);
        bytes[19] = 200;
        bytes[20] = 55;
        Assert.True(OpusHeader.TryRead(bytes, out var header, out var consumed));
        Assert.Equal(OpusHeader.MaxSize, consumed);
        Assert.Equal(255, header.ChannelMapping.Length);
    }

    [Fact]
    public void The_default_is_what_webrtc_opus_is_taken_to_have()
    {
        var header = OpusHeader.CreateDefault(2);
        Assert.Equal((2, (ushort)312, 48_000u, (byte)0), (header.ChannelCount, header.PreSkip, header.InputSampleRate, header.MappingFamily));
        Assert.Throws<ArgumentOutOfRangeException>(() => OpusHeader.CreateDefault(3));
    }
}
