using EmsSharp.Media.Aac;

namespace EmsSharp.Media.Tests.Aac;

public class AdtsHeaderTests
{
    [Fact]
    public void Parses_an_ffmpeg_header()
    {
        // First ADTS header ffmpeg's aac encoder writes for 44.1 kHz stereo LC, frame length 0x0017.
        var header = Convert.FromHexString("FFF1508002FFFC");
        Assert.True(AdtsHeader.TryRead(header, out var adts, out var consumed));
        Assert.Equal(7, consumed);
        Assert.Equal(2, adts.ObjectType);
        Assert.Equal(4, adts.SamplingFrequencyIndex);
        Assert.Equal(44100, adts.SamplingFrequency);
        Assert.Equal(2, adts.ChannelConfiguration);
        Assert.Equal(0x17, adts.FrameLength);
        Assert.False(adts.HasCrc);
        Assert.Equal("1210", Convert.ToHexString(adts.ToAudioSpecificConfig().Raw));
    }

    [Theory]
    [InlineData(2, 4, 2, 100)]
    [InlineData(2, 3, 1, 0)]
    [InlineData(1, 11, 6, 8184)]
    public void Round_trips(int objectType, int index, int channels, int payload)
    {
        var header = new AdtsHeader(objectType, index, channels, payload + 7, false);
        var bytes = new byte[AdtsHeader.GetSerializedLength()];
        Assert.True(header.TryWrite(bytes, out var written));
        Assert.Equal(7, written);
        Assert.True(AdtsHeader.TryRead(bytes, out var parsed, out _));
        Assert.Equal(header, parsed);
        Assert.Equal(payload, parsed.PayloadLength);
    }

    [Fact]
    public void Strips_header_and_crc()
    {
        var frame = Convert.FromHexString("FFF05080015FFC" + "ABCD" + "0102");
        // protection_absent = 0: header 9 bytes with CRC ABCD, frame length 11 → 2 payload bytes.
        frame[3] = 0x80;
        frame[4] = 0x01;
        frame[5] = 0x7F;
        Assert.True(AdtsHeader.TryStrip(frame, out var header, out var payload, out var frameLength));
        Assert.True(header.HasCrc);
        Assert.Equal(11, frameLength);
        Assert.Equal("0102", Convert.ToHexString(payload));
    }

    public static TheoryData<string> Malformed => new()
    {
        "",
        "FFF15080", // short
        "FFE15080017FFC", // bad syncword
        "FFF75080017FFC", // layer != 0
        "FFF17480017FFC", // reserved frequency index 13
        "FFF15080000FFC", // frame length 0 < header
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Rejects_malformed(string hex) =>
        Assert.False(AdtsHeader.TryRead(Convert.FromHexString(hex), out _, out _));

    [Fact]
    public void Strip_rejects_an_incomplete_frame() =>
        Assert.False(AdtsHeader.TryStrip(Convert.FromHexString("FFF15080017FFC0102"), out _, out _, out _));
}
