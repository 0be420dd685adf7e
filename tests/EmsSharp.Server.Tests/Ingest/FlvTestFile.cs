using EmsSharp.Media.Flv;

namespace EmsSharp.Server.Tests.Ingest;

/// <summary>Builds small FLV files in memory: H.264 (a keyframe every <c>gop</c> frames) and AAC tags.</summary>
internal static class FlvTestFile
{
    private static readonly byte[] AvcC = [1, 0x42, 0xC0, 0x1E, 0xFF, 0xE1, 0, 4, 0x67, 0x42, 0xC0, 0x1E, 1, 0, 2, 0x68, 0xCE];

    public static byte[] Create(int videoFrames, int frameMs, int gop, bool audio)
    {
        var tags = new List<(FlvTagType, uint, byte[])>
        {
            (FlvTagType.Video, 0, Video(1, 0, AvcC)),
        };
        if (audio)
        {
            tags.Add((FlvTagType.Audio, 0, [0xAF, 0, 0x11, 0x90]));
        }

        var audioMs = 0.0;
        for (var i = 0; i < videoFrames; i++)
        {
            var ms = (uint)(i * frameMs);
            while (audio && audioMs <= ms)
            {
                tags.Add((FlvTagType.Audio, (uint)audioMs, [0xAF, 1, 0x21, 0x10, 0x04]));
                audioMs += 1024 * 1000.0 / 48000;
            }

            byte nal = i % gop == 0 ? (byte)0x65 : (byte)0x41;
            tags.Add((FlvTagType.Video, ms, Video(i % gop == 0 ? (byte)1 : (byte)2, 1, [0, 0, 0, 2, nal, 0x80])));
        }

        var bytes = new List<byte>();
        var header = new byte[FlvFileHeader.Size];
        new FlvFileHeader(audio, true, FlvFileHeader.Size).TryWrite(header, out _);
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

    private static byte[] Video(byte frameType, byte packetType, byte[] payload) =>
        [(byte)((frameType << 4) | 7), packetType, 0, 0, 0, .. payload];
}
