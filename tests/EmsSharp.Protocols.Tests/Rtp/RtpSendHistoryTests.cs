using EmsSharp.Protocols.Rtp;

namespace EmsSharp.Protocols.Tests.Rtp;

public class RtpSendHistoryTests
{
    private static RtpSentPacket Sent(ushort sequence, TimeSpan at, ReadOnlyMemory<byte> payload = default) =>
        new(sequence, 1000, false, 96, at, 0, payload);

    [Fact]
    public void NackAnsweredFromHistory_AcrossSequenceWrap()
    {
        var history = new RtpSendHistory(capacity: 512);
        var now = TimeSpan.FromSeconds(10);
        for (int i = 0; i < 600; i++)
        {
            history.Store(Sent((ushort)(65300 + i), now));
        }
        // Last stored is (65300 + 599) mod 65536 = 363; the 512 newest are 65388..363.
        Assert.True(history.TryGet(363, now, out var newest));
        Assert.Equal(363, newest.SequenceNumber);
        Assert.True(history.TryGet(65535, now, out var beforeWrap));
        Assert.Equal(65535, beforeWrap.SequenceNumber);
        Assert.True(history.TryGet(0, now, out _));
        Assert.True(history.TryGet(65388, now, out _));
        Assert.False(history.TryGet(65387, now, out _)); // overwritten
        Assert.False(history.TryGet(364, now, out _)); // never sent
    }

    [Fact]
    public void ExpiredPacketsAreNotRetransmitted()
    {
        var history = new RtpSendHistory(capacity: 16, maxAge: TimeSpan.FromMilliseconds(500));
        history.Store(Sent(1, TimeSpan.FromSeconds(1)));
        Assert.True(history.TryGet(1, TimeSpan.FromSeconds(1.5), out _));
        Assert.False(history.TryGet(1, TimeSpan.FromSeconds(1.6), out _));
    }

    [Fact]
    public void KeepsAReferenceToTheSharedPayload_NotACopy()
    {
        var history = new RtpSendHistory(capacity: 16);
        var shared = new byte[1200];
        history.Store(Sent(7, TimeSpan.Zero, shared.AsMemory(100, 500)));

        Assert.True(history.TryGet(7, TimeSpan.Zero, out var stored));

        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(stored.Payload, out var segment));
        Assert.Same(shared, segment.Array);
        Assert.Equal(100, segment.Offset);
        Assert.Equal(500, segment.Count);
    }

    [Fact]
    public void EmptySlotsAreNotFound()
    {
        var history = new RtpSendHistory(capacity: 16);
        Assert.False(history.TryGet(0, TimeSpan.Zero, out _)); // a default entry has sequence 0: must still miss
        history.Store(Sent(3, TimeSpan.Zero));
        Assert.False(history.TryGet(19, TimeSpan.Zero, out _)); // same slot, other sequence number
    }

    [Theory]
    [InlineData(8)]
    [InlineData(500)]
    [InlineData(65536)]
    public void RejectsBadCapacity(int capacity) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new RtpSendHistory(capacity));
}
