using EmsSharp.Protocols.Rtp;

namespace EmsSharp.Protocols.Tests.Rtp;

public class RtpClockTests
{
    [Theory]
    [InlineData(0L, 90000, 0u)]
    [InlineData(400_000L, 90000, 3600u)] // 40 ms video
    [InlineData(200_000L, 48000, 960u)] // 20 ms Opus
    [InlineData(200_000L, 8000, 160u)] // 20 ms G.711
    public void ToTimestamp_Converts(long ticks, int clockRate, uint expected)
    {
        Assert.Equal(expected, RtpClock.ToTimestamp(TimeSpan.FromTicks(ticks), clockRate));
    }

    [Fact]
    public void ToTimestamp_WrapsAt2To32()
    {
        // 2^32 / 90000 ≈ 47721.86 s: one second later the timestamp has wrapped but still advanced by 90000.
        uint before = RtpClock.ToTimestamp(TimeSpan.FromSeconds(47721), RtpClock.VideoClockRate);
        uint after = RtpClock.ToTimestamp(TimeSpan.FromSeconds(47722), RtpClock.VideoClockRate);
        Assert.True(after < before);
        Assert.Equal(90000u, unchecked(after - before));
    }
}
