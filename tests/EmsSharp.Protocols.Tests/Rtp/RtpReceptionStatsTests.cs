using EmsSharp.Protocols.Rtcp;
using EmsSharp.Protocols.Rtp;
using Microsoft.Extensions.Time.Testing;

namespace EmsSharp.Protocols.Tests.Rtp;

public sealed class RtpReceptionStatsTests
{
    [Fact]
    public void A_report_counts_the_packets_lost_across_a_wrap_and_over_the_last_interval()
    {
        var time = new FakeTimeProvider();
        var stats = new RtpReceptionStats(0x1234);
        Assert.Equal(new RtcpReportBlock(0x1234, 0, 0, 0, 0, 0, 0), stats.Report(time, time.GetTimestamp())); // nothing yet

        // 65534, 65535, then 2 and 3 past the wrap: 0 and 1 are lost; a late duplicate of 65535 is counted as received.
        foreach (ushort sequence in new ushort[] { 65534, 65535, 2, 65535, 3 })
            stats.OnPacket(sequence);
        var first = stats.Report(time, time.GetTimestamp());
        Assert.Equal(0x1_0003u, first.ExtendedHighestSequence);
        Assert.Equal(1, first.CumulativeLost); // 6 expected, 5 received (RFC 3550 A.3 counts the duplicate)
        Assert.Equal((byte)(256 / 6), first.FractionLost);

        // The next interval: 4 to 13 with 8 and 9 lost, 2 of 10 expected.
        for (ushort sequence = 4; sequence <= 13; sequence++)
        {
            if (sequence is not (8 or 9))
                stats.OnPacket(sequence);
        }

        var second = stats.Report(time, time.GetTimestamp());
        Assert.Equal(3, second.CumulativeLost);
        Assert.Equal((byte)(2 * 256 / 10), second.FractionLost);
        Assert.Equal(0x1_000Du, second.ExtendedHighestSequence);
    }

    [Fact]
    public void A_report_carries_the_last_sender_report_and_the_delay_since()
    {
        var time = new FakeTimeProvider();
        var stats = new RtpReceptionStats(7);
        stats.OnPacket(100);
        stats.OnSenderReport(0x0123_4567_89AB_CDEFul, time.GetTimestamp());
        time.Advance(TimeSpan.FromMilliseconds(500));
        var block = stats.Report(time, time.GetTimestamp());
        Assert.Equal(0x4567_89ABu, block.LastSenderReport); // the middle 32 bits (RFC 3550 §6.4.1)
        Assert.Equal(32768u, block.DelaySinceLastSenderReport); // 0.5 s in 1/65536 s
        Assert.Equal(0, block.CumulativeLost);
        Assert.Equal(0, block.FractionLost);
    }
}
