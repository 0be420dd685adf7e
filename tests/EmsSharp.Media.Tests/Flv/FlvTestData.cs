using EmsSharp.Media.Flv;

namespace EmsSharp.Media.Tests.Flv;

internal static class FlvTestData
{
    // avcC: version 1, Baseline 3.0, lengthSizeMinusOne 3, one SPS, one PPS (contents not parsed by the hub).
    public static readonly byte[] AvcC = [1, 0x42, 0xC0, 0x1E, 0xFF, 0xE1, 0, 4, 0x67, 0x42, 0xC0, 0x1E, 1, 0, 2, 0x68, 0xCE];

    // AudioSpecificConfig: AAC LC (2), 48 kHz (index 3), 2 channels.
    public static readonly byte[] Asc = [0x11, 0x90];

    public static byte[] VideoBody(byte frameType, byte packetType, int compositionTime, byte[] payload)
    {
        var header = new FlvVideoTagHeader(frameType, FlvVideoTagHeader.AvcCodecId, packetType, compositionTime);
        var body = new byte[header.GetSerializedLength() + payload.Length];
        header.TryWrite(body, out var written);
        payload.CopyTo(body, written);
        return body;
    }

    public static byte[] AudioBody(byte format, byte packetType, byte[] payload)
    {
        var header = new FlvAudioTagHeader(format, 3, true, packetType);
        var body = new byte[header.GetSerializedLength() + payload.Length];
        header.TryWrite(body, out var written);
        payload.CopyTo(body, written);
        return body;
    }

    /// <summary>An access unit in AVCC form: each NAL unit given as its header byte plus filler.</summary>
    public static byte[] AccessUnit(params byte[] nalHeaders)
    {
        var bytes = new List<byte>();
        foreach (var header in nalHeaders)
        {
            bytes.AddRange([0, 0, 0, 3, header, 0x88, 0x84]);
        }

        return [.. bytes];
    }

    public static byte[] File(params (FlvTagType Type, uint Timestamp, byte[] Body)[] tags)
    {
        var bytes = new List<byte>();
        var header = new byte[FlvFileHeader.Size];
        new FlvFileHeader(true, true, FlvFileHeader.Size).TryWrite(header, out _);
        bytes.AddRange(header);
        bytes.AddRange(new byte[4]);
        foreach (var (type, timestamp, body) in tags)
        {
            var tagHeader = new byte[FlvTagHeader.Size];
            new FlvTagHeader(type, body.Length, timestamp).TryWrite(tagHeader, out _);
            bytes.AddRange(tagHeader);
            bytes.AddRange(body);
            var size = FlvTagHeader.Size + body.Length;
            bytes.AddRange([(byte)(size >> 24), (byte)(size >> 16), (byte)(size >> 8), (byte)size]);
        }

        return [.. bytes];
    }
}
