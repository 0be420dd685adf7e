using EmsSharp.Media.Flv;
using static EmsSharp.Media.Tests.Flv.FlvTestData;

namespace EmsSharp.Media.Tests.Flv;

public class FlvFileReaderTests
{
    [Fact]
    public void Reads_header_and_tags_and_rewinds()
    {
        var file = File(
            (FlvTagType.Script, 0, [2, 0, 0]),
            (FlvTagType.Video, 0, VideoBody(1, 0, 0, AvcC)),
            (FlvTagType.Audio, 0x01020304, AudioBody(10, 0, Asc)));
        Assert.True(FlvFileReader.TryOpen(file, out var reader));
        Assert.True(reader.Header.HasAudio && reader.Header.HasVideo);
        var tags = new List<FlvTag>();
        while (reader.TryReadTag(out var tag))
        {
            tags.Add(tag);
        }

        Assert.False(reader.IsMalformed);
        Assert.Equal([FlvTagType.Script, FlvTagType.Video, FlvTagType.Audio], tags.Select(t => t.Type));
        Assert.Equal(0x01020304u, tags[2].Timestamp); // TimestampExtended is the upper byte
        reader.Rewind();
        Assert.True(reader.TryReadTag(out var first));
        Assert.Equal(FlvTagType.Script, first.Type);
    }

    public static TheoryData<string, byte[]> BadHeaders => new()
    {
        { "empty", [] },
        { "not FLV", "FLX\u0001\u0005\0\0\0\u0009\0\0\0\0"u8.ToArray() },
        { "version 2", [(byte)'F', (byte)'L', (byte)'V', 2, 5, 0, 0, 0, 9, 0, 0, 0, 0] },
        { "data offset too small", [(byte)'F', (byte)'L', (byte)'V', 1, 5, 0, 0, 0, 8, 0, 0, 0, 0] },
        { "data offset huge", [(byte)'F', (byte)'L', (byte)'V', 1, 5, 0x7F, 0, 0, 0, 0, 0, 0, 0] },
        { "no PreviousTagSize0", [(byte)'F', (byte)'L', (byte)'V', 1, 5, 0, 0, 0, 9] },
    };

    [Theory]
    [MemberData(nameof(BadHeaders))]
    public void Bad_headers_are_rejected(string name, byte[] file)
    {
        Assert.False(FlvFileReader.TryOpen(file, out _), name);
    }

    public static TheoryData<string, Func<byte[], byte[]>> BadTags => new()
    {
        { "truncated body", f => f[..^10] },
        { "wrong PreviousTagSize", f => { var c = (byte[])f.Clone(); c[^1] ^= 0xFF; return c; } },
        { "unknown tag type", f => { var c = (byte[])f.Clone(); c[13] = 7; return c; } },
        { "encrypted (filter bit)", f => { var c = (byte[])f.Clone(); c[13] |= 0x20; return c; } },
        { "tag larger than the limit", f => { var c = (byte[])f.Clone(); c[14] = 0x7F; return c; } },
    };

    [Theory]
    [MemberData(nameof(BadTags))]
    public void Bad_tags_stop_reading_and_are_flagged(string name, Func<byte[], byte[]> corrupt)
    {
        var file = corrupt(File((FlvTagType.Video, 0, VideoBody(1, 1, 0, AccessUnit(0x65)))));
        Assert.True(FlvFileReader.TryOpen(file, out var reader), name);
        while (reader.TryReadTag(out _))
        {
        }

        Assert.True(reader.IsMalformed, name);
    }

    [Fact]
    public void Tag_headers_round_trip()
    {
        var header = new FlvTagHeader(FlvTagType.Audio, 0x123456, 0xFEDCBA98);
        var bytes = new byte[header.GetSerializedLength()];
        Assert.True(header.TryWrite(bytes, out var written));
        Assert.True(FlvTagHeader.TryRead(bytes, out var read, out var consumed));
        Assert.Equal((header, written), (read, consumed));
        Assert.False(new FlvTagHeader(FlvTagType.Audio, 0x1000000, 0).TryWrite(bytes, out _));
        Assert.False(FlvTagHeader.TryRead(bytes.AsSpan(0, 10), out _, out _));

        var video = new FlvVideoTagHeader(1, 7, 1, -33);
        var videoBytes = new byte[video.GetSerializedLength()];
        Assert.True(video.TryWrite(videoBytes, out _));
        Assert.True(FlvVideoTagHeader.TryRead(videoBytes, out var videoRead, out _));
        Assert.Equal(video, videoRead);
        Assert.False(FlvVideoTagHeader.TryRead(videoBytes.AsSpan(0, 3), out _, out _));
        Assert.False(FlvAudioTagHeader.TryRead([0xAF], out _, out _));
    }
}
