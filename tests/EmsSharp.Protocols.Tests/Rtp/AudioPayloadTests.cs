using EmsSharp.Protocols.Rtp;

namespace EmsSharp.Protocols.Tests.Rtp;

public class AudioPayloadTests
{
    [Fact]
    public void Opus_OneFramePerPacket_48kHzClock()
    {
        var frame = new byte[] { 0xFC, 1, 2, 3 };
        var buffer = new byte[100];
        Assert.True(OpusPayload.TryWrite(frame, buffer, out int written));
        Assert.Equal(frame, buffer[..written]);
        Assert.Equal(960u, OpusPayload.GetTimestampIncrement(TimeSpan.FromMilliseconds(20)));
        Assert.False(OpusPayload.TryWrite([], buffer, out _));
        Assert.False(OpusPayload.TryWrite(new byte[OpusPayload.MaxPacketSize + 1], new byte[5000], out _));
        Assert.False(OpusPayload.TryWrite(frame, new byte[3], out _));
    }

    [Fact]
    public void G711_CutIntoTwentyMillisecondPackets()
    {
        var samples = Enumerable.Range(0, 400).Select(i => (byte)i).ToArray();
        var buffer = new byte[200];
        Assert.Equal(3, G711Payload.GetPacketCount(samples.Length));
        var joined = new List<byte>();
        for (int i = 0; i < 3; i++)
        {
            Assert.True(G711Payload.TryWrite(samples, i, buffer, out int written, out uint offset));
            Assert.Equal((uint)(i * 160), offset);
            Assert.Equal(i < 2 ? 160 : 80, written);
            joined.AddRange(buffer[..written]);
        }
        Assert.False(G711Payload.TryWrite(samples, 3, buffer, out _, out _));
        Assert.False(G711Payload.TryWrite(samples, 0, new byte[10], out _, out _));
        Assert.Equal(samples, joined);
        Assert.Equal(0, G711Payload.PcmuPayloadType);
        Assert.Equal(8, G711Payload.PcmaPayloadType);
    }

    [Fact]
    public void AudioDepacketizer_CountsLossAndDropsLateOrDuplicate()
    {
        var depacketizer = new RtpAudioDepacketizer();
        Assert.True(depacketizer.TryPush([1], 65534, out var frame));
        Assert.Equal(new byte[] { 1 }, frame.ToArray());
        Assert.True(depacketizer.TryPush([2], 1, out _)); // 65535 and 0 lost
        Assert.Equal(2, depacketizer.LostPackets);
        Assert.False(depacketizer.TryPush([3], 1, out _)); // duplicate
        Assert.False(depacketizer.TryPush([4], 0, out _)); // late
        Assert.False(depacketizer.TryPush([], 2, out _)); // empty
    }
}
