using EmsSharp.Media.Aac;
using EmsSharp.Media.Fmp4;
using EmsSharp.Media.H264;

namespace EmsSharp.Media.Tests.Fmp4;

internal static class Fmp4TestData
{
    // libx264 High 1280x720 SPS/PPS (see SequenceParameterSetParserTests).
    public static readonly byte[] Sps = Convert.FromHexString("6764001facd9405005bb011000000300100000030320f1831960");
    public static readonly byte[] Pps = Convert.FromHexString("68ebe3cb22c0");

    public static byte[] AvcC()
    {
        var record = new AvcDecoderConfigurationRecord([Sps], [Pps]);
        var bytes = new byte[record.GetSerializedLength()];
        Assert.True(record.TryWrite(bytes, out _));
        return bytes;
    }

    public static Fmp4VideoTrack Video()
    {
        Assert.True(Fmp4VideoTrack.TryCreate(AvcC(), out var video));
        return video;
    }

    public static Fmp4AudioTrack Audio()
    {
        Assert.True(Fmp4AudioTrack.TryCreate(AudioSpecificConfig.Create(2, 48000, 2).Raw, out var audio));
        return audio;
    }

    /// <summary>An AVCC access unit whose bytes encode its index, so tests can find it in the mdat.</summary>
    public static byte[] VideoSample(int index, bool key)
    {
        var sample = new byte[4 + 1 + 40 + (index % 7)];
        sample[3] = (byte)(sample.Length - 4);
        sample[4] = key ? (byte)0x65 : (byte)0x41;
        sample.AsSpan(5).Fill((byte)index);
        return sample;
    }

    public static byte[] AudioSample(int index)
    {
        var sample = new byte[10 + (index % 5)];
        sample.AsSpan().Fill((byte)(0x80 | (index & 0x7F)));
        return sample;
    }
}
