using EmsSharp.Media.Aac;

namespace EmsSharp.Media.Tests.Aac;

public class AudioSpecificConfigTests
{
    // ISO/IEC 14496-3 §1.6.2.1 layouts; 1210 is what ffmpeg's aac encoder writes for 44.1 kHz stereo LC.
    public static TheoryData<string, int, int, int, int> Configs => new()
    {
        { "1210", 2, 4, 44100, 2 },
        { "1190", 2, 3, 48000, 2 },
        { "1408", 2, 8, 16000, 1 },
        { "0988", 1, 3, 48000, 1 },
        { "2B8800", 5, 7, 22050, 1 }, // SBR
    };

    [Theory]
    [MemberData(nameof(Configs))]
    public void Parses(string hex, int objectType, int index, int frequency, int channels)
    {
        var bytes = Convert.FromHexString(hex);
        Assert.True(AudioSpecificConfig.TryRead(bytes, out var asc, out var consumed));
        Assert.Equal(bytes.Length, consumed);
        Assert.Equal(objectType, asc.ObjectType);
        Assert.Equal(index, asc.SamplingFrequencyIndex);
        Assert.Equal(frequency, asc.SamplingFrequency);
        Assert.Equal(channels, asc.ChannelConfiguration);
        Assert.Equal($"mp4a.40.{objectType}", asc.CodecString);
    }

    [Theory]
    [InlineData(2, 44100, 2, "1210")]
    [InlineData(2, 48000, 2, "1190")]
    [InlineData(2, 8000, 1, "1588")]
    public void Builds_and_round_trips(int objectType, int frequency, int channels, string expected)
    {
        var asc = AudioSpecificConfig.Create(objectType, frequency, channels);
        Assert.Equal(expected, Convert.ToHexString(asc.Raw));
        var buffer = new byte[asc.GetSerializedLength()];
        Assert.True(asc.TryWrite(buffer, out _));
        Assert.True(AudioSpecificConfig.TryRead(buffer, out var parsed, out _));
        Assert.Equal((objectType, frequency, channels), (parsed.ObjectType, parsed.SamplingFrequency, parsed.ChannelConfiguration));
    }

    [Fact]
    public void Builds_an_explicit_frequency()
    {
        var asc = AudioSpecificConfig.Create(2, 37800, 2);
        Assert.Equal(15, asc.SamplingFrequencyIndex);
        Assert.True(AudioSpecificConfig.TryRead(asc.Raw, out var parsed, out _));
        Assert.Equal(37800, parsed.SamplingFrequency);
        Assert.Equal(2, parsed.ChannelConfiguration);
    }

    [Fact]
    public void Reads_the_frame_length_flag()
    {
        Assert.True(AudioSpecificConfig.TryRead(Convert.FromHexString("1214"), out var asc, out _));
        Assert.Equal(960, asc.SamplesPerFrame);
    }

    public static TheoryData<string> Malformed => new()
    {
        "",
        "12", // one byte
        "0010", // object type 0
        "16D0", // reserved frequency index 13
        "F8FF", // explicit frequency truncated
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Rejects_malformed(string hex) =>
        Assert.False(AudioSpecificConfig.TryRead(Convert.FromHexString(hex), out _, out _));
}
