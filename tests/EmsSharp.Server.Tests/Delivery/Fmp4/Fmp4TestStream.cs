using System.Net.WebSockets;
using EmsSharp.Media.Aac;
using EmsSharp.Media.Fmp4;
using EmsSharp.Media.H264;
using EmsSharp.Media.Hub;
using EmsSharp.Server.Delivery.Fmp4;

namespace EmsSharp.Server.Tests.Delivery.Fmp4;

/// <summary>Fake H.264 + AAC frames for a hub stream, and helpers to read and inspect §4.2 packets.</summary>
internal static class Fmp4TestStream
{
    // libx264 High 1280x720 SPS/PPS.
    private static readonly byte[] Sps = Convert.FromHexString("6764001facd9405005bb011000000300100000030320f1831960");
    private static readonly byte[] Pps = Convert.FromHexString("68ebe3cb22c0");

    public static byte[] AvcC()
    {
        var record = new AvcDecoderConfigurationRecord([Sps], [Pps]);
        var bytes = new byte[record.GetSerializedLength()];
        Assert.True(record.TryWrite(bytes, out _));
        return bytes;
    }

    public static void SetTracks(LiveStream stream, int sampleRate = 48_000)
    {
        stream.SetVideoTrack(new VideoTrackConfig(MediaCodec.H264, AvcC(), 1280, 720));
        stream.SetAudioTrack(new AudioTrackConfig(MediaCodec.Aac, AudioSpecificConfig.Create(2, sampleRate, 2).Raw, sampleRate, 2));
    }

    /// <summary>Publishes video frames [from, to) at 30 fps, a keyframe every <paramref name="gop"/>, one AAC frame after each.</summary>
    public static void Publish(LiveStream stream, int from, int to, int gop)
    {
        for (var i = from; i < to; i++)
        {
            Assert.True(stream.Publish(VideoFrame(i, key: i % gop == 0)));
            var audio = new byte[12];
            audio.AsSpan().Fill((byte)i);
            Assert.True(stream.Publish(new MediaFrame(TrackKind.Audio, MediaCodec.Aac, i * 1600L, i * 1600L, true, audio)));
        }
    }

    /// <summary>A one-NAL access unit at 30 fps whose bytes encode <paramref name="index"/> (IDR when a keyframe).</summary>
    public static MediaFrame VideoFrame(int index, bool key)
    {
        var sample = new byte[4 + 1 + 40];
        sample[3] = (byte)(sample.Length - 4);
        sample[4] = key ? (byte)0x65 : (byte)0x41;
        sample.AsSpan(5).Fill((byte)index);
        return new MediaFrame(TrackKind.Video, MediaCodec.H264, index * 3000L, index * 3000L, key, sample);
    }

    public static async Task<List<byte[]>> ReadAsync(Fmp4Subscription subscription, int count)
    {
        var packets = new List<byte[]>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (packets.Count < count && await subscription.WaitToReadAsync(timeout.Token))
        {
            while (packets.Count < count && subscription.TryRead(out var packet))
            {
                packets.Add(packet.ToArray());
            }
        }

        return packets;
    }

    public static Task<List<byte[]>> ReadToEndAsync(Fmp4Subscription subscription) => ReadAsync(subscription, int.MaxValue);

    /// <summary>One whole binary WebSocket message (a §4.2 packet); fails after 10 s.</summary>
    public static async Task<byte[]> ReceiveAsync(WebSocket socket)
    {
        var buffer = new byte[64 * 1024];
        var length = 0;
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(WebSocketMessageType.Binary, result.MessageType);
            length += result.Count;
            if (result.EndOfMessage)
            {
                return buffer[..length];
            }
        }
    }

    public static bool IsInit(byte[] packet) => packet[0] == (byte)Fmp4StreamPacketType.HeaderMoov;

    /// <summary>The index of the first video frame in a fragment's VIDEO_BUFFER and whether it is a keyframe.</summary>
    public static (int Index, bool Keyframe) FirstVideo(byte[] fragment)
    {
        ReadOnlySpan<byte> rest = fragment;
        Assert.Equal((byte)Fmp4StreamPacketType.Begin, rest[0]);
        while (Fmp4StreamPacket.TryRead(rest, out var packet, out var consumed))
        {
            if (packet.Type == Fmp4StreamPacketType.VideoBuffer)
            {
                return (packet.Payload[5], packet.Payload[4] == 0x65);
            }

            rest = rest[consumed..];
        }

        throw new InvalidOperationException("no video in the fragment");
    }

    public static List<int> FragmentIndices(List<byte[]> packets)
    {
        var indices = new List<int>();
        foreach (var packet in packets)
        {
            if (!IsInit(packet))
            {
                indices.Add(FirstVideo(packet).Index);
            }
        }

        return indices;
    }
}
