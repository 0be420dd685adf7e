using EmsSharp.Protocols.Net;
using Microsoft.Extensions.Time.Testing;

namespace EmsSharp.Protocols.Tests.Net;

public sealed class LogThrottleTests
{
    [Fact]
    public void The_first_occurrence_is_written_then_one_line_per_interval_counts_those_in_between()
    {
        var time = new FakeTimeProvider();
        var throttle = new LogThrottle(time);

        Assert.True(throttle.TryEnter(out var count));
        Assert.Equal(1, count);
        for (var i = 0; i < 500; i++)
        {
            Assert.False(throttle.TryEnter(out _));
        }

        time.Advance(LogThrottle.Interval - TimeSpan.FromMilliseconds(1));
        Assert.False(throttle.TryEnter(out _));
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(throttle.TryEnter(out count));
        Assert.Equal(502, count); // the 501 suppressed and this one

        time.Advance(TimeSpan.FromHours(1));
        Assert.True(throttle.TryEnter(out count));
        Assert.Equal(1, count);
    }
}
