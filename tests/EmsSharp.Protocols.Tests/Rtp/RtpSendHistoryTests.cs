using System.Buffers.Binary;
using EmsSharp.Protocols.Rtp;

namespace EmsSharp.Protocols.Tests.Rtp;

public class RtpSendHistoryTests
{
    private static byte[] Packet(ushort sequence, int payloadLength = 10)
    {
        var packet = new byte[12 + payloadLength];
        new RtpHeader { PayloadType = 96, SequenceNumber = sequence, Timestamp = 1000, Ssrc = 42 }.TryWrite(packet, out _);
        packet.AsSpan(12).Fill((byte)sequence);
        return packet;
    }

    [Fact]
    public void NackAnsweredFromHistory_AcrossSequenceWrap()
    {
        var history = new RtpSendHistory(capacity: 512);
        var now = TimeSpan.FromSeconds(10);
        for (int i = 0; i < 600; i++)
        {
            Assert.True(history.Store(Packet((ushort)(65300 + i)), now));
        }
        // Last stored is (65300 + 599) mod 65536 = 363; the 512 newest are 65388..363.
        Assert.True(history.TryGet(363, now, out var newest));
        Assert.Equal(Packet(363), newest.ToArray());
        Assert.True(history.TryGet(65535, now, out var beforeWrap));
        Assert.Equal(Packet(65535), beforeWrap.ToArray());
        Assert.True(history.TryGet(0, now, out _));
        Assert.True(history.TryGet(65388, now, out _));
        Assert.False(history.TryGet(65387, now, out _)); // overwritten
        Assert.False(history.TryGet(364, now, out _)); // never sent
    }

    [Fact]
    public void ExpiredPacketsAreNotRetransmitted()
    {
        var history = new RtpSendHistory(capacity: 16, maxAge: TimeSpan.FromMilliseconds(500));
        history.Store(Packet(1), TimeSpan.FromSeconds(1));
        Assert.True(history.TryGet(1, TimeSpan.FromSeconds(1.5), out _));
        Assert.False(history.TryGet(1, TimeSpan.FromSeconds(1.6), out _));
    }

    [Fact]
    public void RtxForm_CarriesOriginalSequenceNumberFirst()
    {
        var history = new RtpSendHistory();
        var original = Packet(5000, 20);
        original[1] |= 0x80; // marker kept
        history.Store(original, TimeSpan.Zero);
        var buffer = new byte[100];

        Assert.True(history.TryWriteRtx(5000, TimeSpan.Zero, rtxPayloadType: 97, rtxSsrc: 77, rtxSequenceNumber: 9, buffer, out int written));

        Assert.Equal(original.Length + 2, written);
        Assert.True(RtpHeader.TryRead(buffer.AsSpan(0, written), out var header, out int headerLength));
        Assert.Equal(97, header.PayloadType);
        Assert.Equal(77u, header.Ssrc);
        Assert.Equal(9, header.SequenceNumber);
        Assert.True(header.Marker);
        Assert.Equal(1000u, header.Timestamp);
        Assert.Equal(5000, BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(headerLength)));
        Assert.Equal(original[12..], buffer[(headerLength + 2)..written]);
    }

    [Fact]
    public void RejectsMalformedOrOversizedPacketsAndBadCapacity()
    {
        var history = new RtpSendHistory(capacity: 16, maxPacketSize: 100);
        Assert.False(history.Store(new byte[5], TimeSpan.Zero));
        Assert.False(history.Store(Packet(1, 200), TimeSpan.Zero));
        Assert.False(history.TryWriteRtx(1, TimeSpan.Zero, 97, 1, 1, new byte[100], out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RtpSendHistory(capacity: 500));
    }
}
