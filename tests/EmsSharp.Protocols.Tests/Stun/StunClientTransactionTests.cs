using System.Net;
using EmsSharp.Protocols.Stun;

namespace EmsSharp.Protocols.Tests.Stun;

public sealed class StunClientTransactionTests
{
    [Fact]
    public void Retransmits_on_rfc8489_schedule_then_times_out()
    {
        // RFC 8489 §6.2.1: with RTO 500 ms, sends at 0, 500, 1500, 3500, 7500, 15500, 31500 ms; fails at 39500 ms.
        var t = new StunClientTransaction([1], new byte[12], new IPEndPoint(IPAddress.Loopback, 1), TimeSpan.Zero,
            TimeSpan.FromMilliseconds(500));
        var sends = new List<double> { 0 };
        var now = TimeSpan.Zero;
        while (true)
        {
            now = t.NextTimeout;
            var status = t.HandleTimeout(now);
            if (status == StunTransactionStatus.TimedOut)
            {
                break;
            }

            Assert.Equal(StunTransactionStatus.Retransmit, status);
            sends.Add(now.TotalMilliseconds);
        }

        Assert.Equal([0, 500, 1500, 3500, 7500, 15500, 31500], sends);
        Assert.Equal(39500, now.TotalMilliseconds);
        Assert.Equal(StunTransactionStatus.Waiting, new StunClientTransaction([1], new byte[12],
            new IPEndPoint(IPAddress.Loopback, 1), TimeSpan.Zero, TimeSpan.FromMilliseconds(500))
            .HandleTimeout(TimeSpan.FromMilliseconds(499)));
    }
}
