using EmsSharp.Protocols.Rtp;
using Microsoft.Extensions.Time.Testing;

namespace EmsSharp.Protocols.Tests.Rtp;

/// <summary>Receiver-side loss recovery in fake time, with the defaults a WHIP session uses.</summary>
public sealed class RtpLossRecoveryTests : IDisposable
{
    private readonly FakeTimeProvider _time = new();
    private readonly long _origin;
    private RtpLossRecovery _recovery = new();

    public RtpLossRecoveryTests() => _origin = _time.GetTimestamp();

    private TimeSpan Now => _time.GetElapsedTime(_origin);

    public void Dispose() => _recovery.Dispose();

    [Fact]
    public void A_gap_is_nacked_at_once_and_the_packets_after_it_are_held()
    {
        Push(10);
        Push(13);
        Assert.Equal([10], Released());
        Assert.Equal(1, _recovery.HeldPackets);
        Assert.Equal([11, 12], Nacks());
        Assert.Empty(Nacks()); // not again within a round trip
        Assert.Equal((2L, 1L), (_recovery.NackedPackets, _recovery.NacksSent));
    }

    [Fact]
    public void Repaired_packets_are_released_in_order_and_measure_the_round_trip()
    {
        Push(10);
        Push(12);
        Push(13);
        Assert.Equal([10], Released());
        Assert.Equal([11], Nacks());

        _time.Advance(TimeSpan.FromMilliseconds(60));
        Push(11); // the retransmission
        Assert.Equal([11, 12, 13], Released());
        Assert.Equal(1, _recovery.RecoveredPackets);
        Assert.Equal(0, _recovery.HeldPackets);
        // RFC 6298 §2.3 smoothing of one 60 ms sample into the 100 ms start: 100 + (60 - 100) / 8.
        Assert.Equal(TimeSpan.FromMilliseconds(95), _recovery.RoundTrip);
        Assert.False(_recovery.TakeKeyframeRequest());
    }

    [Fact]
    public void Late_and_repeated_duplicates_are_ignored()
    {
        Push(10);
        Push(12);
        Push(11);
        Assert.Equal([10, 11, 12], Released());
        Push(11); // after its release
        Push(14);
        Push(14); // while it is held
        Push(13);
        Push(13); // after its release again
        Assert.Equal([13, 14], Released());
        Assert.Equal(3, _recovery.DiscardedPackets);
        Assert.Equal(0, _recovery.RecoveredPackets); // 11 and 13 came before their NACK was polled
    }

    [Fact]
    public void An_unanswered_packet_is_nacked_a_round_trip_apart_three_times_then_given_up_and_a_keyframe_wanted()
    {
        Push(10);
        Push(12);
        Released();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal([11], Nacks());
            _time.Advance(TimeSpan.FromMilliseconds(99));
            Assert.Empty(Nacks());
            _recovery.HandleTimeout(Now);
            Assert.Empty(Released()); // 12 still waits for 11
            _time.Advance(TimeSpan.FromMilliseconds(1));
        }

        Assert.Empty(Nacks()); // no fourth NACK
        _recovery.HandleTimeout(Now);
        Assert.Equal([12], Released());
        Assert.Equal((3L, 1L), (_recovery.NackedPackets, _recovery.LostPackets));
        Assert.True(_recovery.TakeKeyframeRequest());
        Assert.False(_recovery.TakeKeyframeRequest()); // once per give-up

        Push(11); // the retransmission, too late
        Assert.Empty(Released());
        Assert.Equal(1, _recovery.DiscardedPackets);
    }

    [Fact]
    public void A_missing_packet_holds_the_others_back_for_half_a_second_at_most()
    {
        // A 400 ms round trip would leave the third NACK at 800 ms: the wait bound gives up first.
        _recovery = new RtpLossRecovery(new RtpLossRecoveryOptions { InitialRoundTrip = TimeSpan.FromMilliseconds(400) });
        Push(10);
        Push(12);
        Released();
        Assert.Equal([11], Nacks());
        _time.Advance(TimeSpan.FromMilliseconds(400));
        Assert.Equal([11], Nacks());
        _time.Advance(TimeSpan.FromMilliseconds(99));
        Push(13); // each packet checks the bound too
        Assert.Empty(Released());
        _time.Advance(TimeSpan.FromMilliseconds(1));
        _recovery.HandleTimeout(Now);
        Assert.Equal([12, 13], Released());
        Assert.True(_recovery.TakeKeyframeRequest());
    }

    [Fact]
    public void A_packet_past_the_window_releases_what_is_held_and_starts_the_window_there()
    {
        Push(10);
        Push(12);
        Push(13);
        Released();
        Push(10 + 512); // 511 after 11, the oldest missing, still fits
        Assert.Empty(Released());
        Push(12 + 512); // does not
        Assert.Equal([12, 13, 522, 524], Released());
        Assert.Equal(0, _recovery.HeldPackets);
        Assert.Equal(509, _recovery.LostPackets); // 11 and 14 to 521, the missing ones it had
        Assert.True(_recovery.TakeKeyframeRequest());
        Push(525);
        Assert.Equal([525], Released());
    }

    [Fact]
    public void Sequence_numbers_wrap()
    {
        Push(65534);
        Push(1);
        Assert.Equal([65534], Released());
        Assert.Equal([65535, 0], Nacks());
        Push(0);
        Push(65535);
        Assert.Equal([65535, 0, 1], Released());
        Assert.Equal(2, _recovery.RecoveredPackets);
    }

    [Fact]
    public void Nacks_fill_at_most_the_space_given_and_the_rest_follow_on_the_next_poll()
    {
        Push(0);
        Push(100);
        var first = new ushort[64];
        Assert.Equal(64, _recovery.PollNacks(first, Now));
        Assert.Equal(Enumerable.Range(1, 64).Select(i => (ushort)i), first);
        Assert.Equal(Enumerable.Range(65, 35).Select(i => (ushort)i), Nacks());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2049)]
    public void Empty_and_oversized_packets_are_rejected(int length)
    {
        _recovery.Push(new byte[length], 5, Now);
        Assert.Equal(1, _recovery.RejectedPackets);
        Assert.Empty(Released());
    }

    [Theory]
    [InlineData(8)]
    [InlineData(500)]
    [InlineData(65536)]
    public void The_window_is_a_power_of_two_within_bounds(int packets) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new RtpLossRecovery(new RtpLossRecoveryOptions { MaxPackets = packets }));

    // A packet whose bytes are its sequence number.
    private void Push(int sequence) =>
        _recovery.Push(BitConverter.GetBytes((ushort)sequence), (ushort)sequence, Now);

    private List<ushort> Released()
    {
        var released = new List<ushort>();
        while (_recovery.TryPollPacket(out var packet))
            released.Add(BitConverter.ToUInt16(packet.Span));
        return released;
    }

    private List<ushort> Nacks()
    {
        Span<ushort> lost = stackalloc ushort[256];
        return [.. lost[.._recovery.PollNacks(lost, Now)]];
    }
}
