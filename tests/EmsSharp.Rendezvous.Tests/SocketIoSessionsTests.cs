using System.Net;
using EmsSharp.Rendezvous.Configuration;
using EmsSharp.Rendezvous.SocketIo;
using Microsoft.Extensions.Time.Testing;

namespace EmsSharp.Rendezvous.Tests;

public sealed class SocketIoSessionsTests
{
    private static readonly IPAddress Ip = IPAddress.Parse("192.0.2.1");

    [Fact]
    public void An_admitted_handshake_counts_against_its_ip_until_its_socket_closes_or_it_is_abandoned()
    {
        using SocketIoSessions sessions = new(new ErsLimitsOptions { MaxSocketsPerIp = 1 }, new FakeTimeProvider());
        Assert.True(sessions.TryAdmit(Ip, out _));
        Assert.False(sessions.TryAdmit(Ip, out _)); // admitted, not created yet: it counts already
        Assert.True(sessions.TryAdmit(IPAddress.Parse("192.0.2.2"), out _));

        sessions.Abandon(Ip); // the client left while its reply was held
        Assert.True(sessions.TryAdmit(Ip, out _));
        string sid = sessions.Create(Ip);
        Assert.True(sessions.TryClaim(sid, out _));
        Assert.False(sessions.TryAdmit(Ip, out _));

        sessions.Release(sid, Ip);
        Assert.True(sessions.TryAdmit(Ip, out _));
    }

    [Fact]
    public void A_handshake_refused_for_its_rate_gives_its_slot_back()
    {
        using SocketIoSessions sessions = new(
            new ErsLimitsOptions { MaxSocketsPerIp = 5, HandshakesPerSecondPerIp = 1, HandshakeBurst = 1, MaxHandshakeDelaySeconds = 1 },
            new FakeTimeProvider());
        Assert.True(sessions.TryAdmit(Ip, out TimeSpan first));
        Assert.Equal(TimeSpan.Zero, first);
        Assert.True(sessions.TryAdmit(Ip, out TimeSpan second));
        Assert.True(second > TimeSpan.Zero);
        Assert.False(sessions.TryAdmit(Ip, out _)); // would wait longer than allowed
        Assert.False(sessions.TryAdmit(Ip, out _));

        // Two slots are held, not four: the refused handshakes gave theirs back.
        sessions.Abandon(Ip);
        sessions.Abandon(Ip);
        Assert.Throws<InvalidOperationException>(() => sessions.Abandon(Ip));
    }
}
