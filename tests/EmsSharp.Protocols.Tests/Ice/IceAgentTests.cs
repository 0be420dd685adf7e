using System.Net;
using System.Text;
using EmsSharp.Protocols.Ice;
using EmsSharp.Protocols.Stun;

namespace EmsSharp.Protocols.Tests.Ice;

public sealed class IceAgentTests
{
    private static readonly IPEndPoint PublicB = new(IPAddress.Parse("192.0.2.10"), 7000);
    private static readonly IPEndPoint PrivateA = new(IPAddress.Parse("10.0.0.1"), 5000);
    private static readonly IPEndPoint MappedA = new(IPAddress.Parse("203.0.113.1"), 6000);
    private static readonly IPEndPoint PublicA = new(IPAddress.Parse("192.0.2.20"), 5000);

    private static readonly IPEndPoint Relayed = new(IPAddress.Parse("198.51.100.9"), 50000);
    private static readonly uint RelayPriority = IceCandidate.ComputePriority(IceCandidateType.Relayed, 65535, 1);

    private static IceCandidate Relay() => new("r1", 1, RelayPriority, Relayed.Address.ToString(), Relayed.Port,
        IceCandidateType.Relayed);

    private static IceCandidate Host(IPEndPoint ep) => new("1", 1,
        IceCandidate.ComputePriority(IceCandidateType.Host, 65535, 1), ep.Address.ToString(), ep.Port,
        IceCandidateType.Host);

    private static (IceAgent A, IceAgent B) NewPair()
    {
        var a = new IceAgent(IceRole.Controlling, tieBreaker: 2, random: new Random(1));
        var b = new IceAgent(IceRole.Controlled, tieBreaker: 1, random: new Random(2));
        return (a, b);
    }

    private static TimeSpan Run(IceTestNetwork net, IceAgent a, IceAgent b, TimeSpan from, TimeSpan until,
        Func<bool> done)
    {
        var now = from;
        while (now <= until)
        {
            a.HandleTimeout(now);
            b.HandleTimeout(now);
            net.Pump(now);
            if (done())
            {
                return now;
            }

            now += TimeSpan.FromMilliseconds(10);
        }

        return now;
    }

    private static List<IceEvent> Drain(IceAgent agent)
    {
        var events = new List<IceEvent>();
        while (agent.TryPollEvent(out var e))
        {
            events.Add(e);
        }

        return events;
    }

    private static void ExchangeCredentials(IceAgent a, IceAgent b, TimeSpan now)
    {
        a.SetRemoteCredentials(b.LocalUfrag, b.LocalPassword, now);
        b.SetRemoteCredentials(a.LocalUfrag, a.LocalPassword, now);
    }

    [Fact]
    public void Two_public_agents_connect_on_host_candidates()
    {
        var (a, b, _, t) = ConnectOnHosts();

        Assert.True(t < TimeSpan.FromSeconds(1), "connected in " + t);
        Assert.Equal(PublicB, a.SelectedRemoteEndPoint);
        Assert.Equal(PublicA, b.SelectedRemoteEndPoint);
        Assert.Contains(Drain(a), e => e.Kind == IceEventKind.Connected);
        Assert.Contains(Drain(b), e => e.Kind == IceEventKind.Connected);
    }

    [Fact]
    public void Agent_behind_nat_is_learned_as_peer_reflexive()
    {
        var (a, b) = NewPair();
        var net = new IceTestNetwork();
        net.AddBehindNat(a, PrivateA, MappedA);
        net.AddPublic(b, PublicB);
        ExchangeCredentials(a, b, TimeSpan.Zero);
        a.AddRemoteCandidate(Host(PublicB), TimeSpan.Zero);
        b.AddRemoteCandidate(Host(PrivateA), TimeSpan.Zero); // unreachable through the NAT

        Run(net, a, b, TimeSpan.Zero, TimeSpan.FromSeconds(5),
            () => a.State == IceAgentState.Connected && b.State == IceAgentState.Connected);

        Assert.Equal(IceAgentState.Connected, b.State);
        Assert.Equal(MappedA, b.SelectedRemoteEndPoint);
        Assert.Equal(IceCandidateType.PeerReflexive, b.SelectedRemoteCandidate!.Type);
        Assert.Equal(PublicB, a.SelectedRemoteEndPoint);
    }

    [Fact]
    public void Agent_behind_nat_is_reached_at_its_server_reflexive_candidate()
    {
        var (a, b) = NewPair();
        var net = new IceTestNetwork();
        net.AddBehindNat(a, PrivateA, MappedA);
        net.AddPublic(b, PublicB);
        a.AddLocalCandidate(Host(PrivateA));
        // The driver discovered the shared socket's mapping (StunBindingClient) and hands it to the agent.
        var srflx = new IceCandidate("s0", 1, IceCandidate.ComputePriority(IceCandidateType.ServerReflexive, 65535, 1),
            MappedA.Address.ToString(), MappedA.Port, IceCandidateType.ServerReflexive, PrivateA.Address.ToString(), PrivateA.Port);
        a.AddLocalCandidate(srflx);
        Assert.Contains(srflx, a.LocalCandidates);

        // Signalled as a string, as trickle or SDP carries it.
        Assert.True(IceCandidate.TryParse(srflx.ToString(), out var signalled));
        ExchangeCredentials(a, b, TimeSpan.Zero);
        b.AddRemoteCandidate(signalled!, TimeSpan.Zero);
        a.AddRemoteCandidate(Host(PublicB), TimeSpan.Zero);

        Run(net, a, b, TimeSpan.Zero, TimeSpan.FromSeconds(5),
            () => a.State == IceAgentState.Connected && b.State == IceAgentState.Connected);

        Assert.Equal(MappedA, b.SelectedRemoteEndPoint);
        Assert.Equal(IceCandidateType.ServerReflexive, b.SelectedRemoteCandidate!.Type);
    }

    [Fact]
    public void Relay_base_carries_the_session_when_the_direct_path_is_blocked()
    {
        var (a, b) = NewPair();
        var net = new IceTestNetwork();
        net.AddPublic(a, PublicA);
        net.AddPublic(b, PublicB);
        net.AddRelay(a, 1, Relayed);
        net.DirectBlocked = a; // a's UDP is blocked: only its TURN-over-TCP allocation gets out
        a.AddBase(1, RelayPriority, pairsWithSignalled: true, TimeSpan.Zero);
        ExchangeCredentials(a, b, TimeSpan.Zero);
        a.AddRemoteCandidate(Host(PublicB), TimeSpan.Zero); // paired on base 0 and on the relay
        b.AddRemoteCandidate(Relay(), TimeSpan.Zero);

        Run(net, a, b, TimeSpan.Zero, TimeSpan.FromSeconds(10),
            () => a.State == IceAgentState.Connected && b.State == IceAgentState.Connected);

        Assert.Equal(1, a.SelectedBase);
        Assert.Equal(PublicB, a.SelectedRemoteEndPoint);
        Assert.Equal(Relayed, b.SelectedRemoteEndPoint);

        // The allocation is lost: the session fails at once instead of after 30 s without consent.
        Drain(a);
        a.RemoveBase(1);
        Assert.Equal(IceAgentState.Failed, a.State);
        Assert.Contains(Drain(a), e => e.Kind == IceEventKind.Failed);
    }

    [Fact]
    public void Relay_only_agent_signals_and_checks_through_its_relay_alone()
    {
        // The viewer side of `ems-load viewers --relay` (iceTransportPolicy "relay"): b knows a's host address anyway,
        // but a neither signals it nor answers or learns anything on it; everything goes through the relay.
        var a = new IceAgent(IceRole.Controlled, tieBreaker: 1, random: new Random(2)) { RelayOnly = true };
        var b = new IceAgent(IceRole.Controlling, tieBreaker: 2, random: new Random(1));
        var net = new IceTestNetwork();
        net.AddPublic(a, PublicA);
        net.AddPublic(b, PublicB);
        net.AddRelay(a, 1, Relayed);
        Assert.False(a.AddLocalCandidate(Host(PublicA)));
        Assert.True(a.AddLocalCandidate(Relay()));
        ExchangeCredentials(a, b, TimeSpan.Zero);
        a.AddRemoteCandidate(Host(PublicB), TimeSpan.Zero); // before the relay exists: paired when it is added
        a.AddBase(1, RelayPriority, pairsWithSignalled: true, TimeSpan.Zero);
        b.AddRemoteCandidate(Host(PublicA), TimeSpan.Zero);
        b.AddRemoteCandidate(Relay(), TimeSpan.Zero);

        Run(net, a, b, TimeSpan.Zero, TimeSpan.FromSeconds(10),
            () => a.State == IceAgentState.Connected && b.State == IceAgentState.Connected);

        Assert.Equal(IceCandidateType.Relayed, Assert.Single(a.LocalCandidates).Type);
        Assert.Equal(1, a.SelectedBase);
        Assert.Equal(PublicB, a.SelectedRemoteEndPoint);
        Assert.Equal(Relayed, b.SelectedRemoteEndPoint);
        Assert.Equal(0, net.Sent(a, 0)); // b's checks to PublicA: no answer, no peer-reflexive pair, no check back
        Assert.False(a.UsesBase(0));
    }

    [Fact]
    public void Controlling_agent_waits_briefly_for_a_better_pair_than_the_first_valid_one()
    {
        var (a, b) = NewPair();
        var net = new IceTestNetwork();
        net.AddPublic(a, PublicA);
        net.AddPublic(b, PublicB);
        net.AddRelay(a, 1, Relayed);
        a.AddBase(1, RelayPriority, pairsWithSignalled: true, TimeSpan.Zero);
        ExchangeCredentials(a, b, TimeSpan.Zero);
        a.AddRemoteCandidate(Host(PublicB), TimeSpan.Zero);

        // The first direct check is lost (a NAT hole not yet open), so the relayed check is answered first; the direct
        // pair's retransmission (RFC 8489 RTO 500 ms) still lands within the wait.
        net.DirectBlocked = a;
        Run(net, a, b, TimeSpan.Zero, TimeSpan.FromMilliseconds(200), () => false);
        Assert.Null(a.SelectedBase);
        net.DirectBlocked = null;

        Run(net, a, b, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(5),
            () => a.State == IceAgentState.Connected && b.State == IceAgentState.Connected);
        Assert.Equal(0, a.SelectedBase); // the direct pair, though the relayed one was valid first
    }

    [Fact]
    public void Controlling_agent_nominates_the_relay_when_no_better_pair_answers()
    {
        var (a, b) = NewPair();
        var net = new IceTestNetwork();
        net.AddPublic(a, PublicA);
        net.AddPublic(b, PublicB);
        net.AddRelay(a, 1, Relayed);
        net.DirectBlocked = a;
        a.AddBase(1, RelayPriority, pairsWithSignalled: true, TimeSpan.Zero);
        ExchangeCredentials(a, b, TimeSpan.Zero);
        a.AddRemoteCandidate(Host(PublicB), TimeSpan.Zero);

        var connectedAt = Run(net, a, b, TimeSpan.Zero, TimeSpan.FromSeconds(5),
            () => a.State == IceAgentState.Connected && b.State == IceAgentState.Connected);
        Assert.Equal(1, a.SelectedBase);
        Assert.True(connectedAt >= a.NominationWait, $"nominated at {connectedAt}, before the wait for the direct pair ended");
        Assert.True(connectedAt < TimeSpan.FromSeconds(2), $"nominated only at {connectedAt}");
    }

    [Fact]
    public void Consent_expires_after_30_seconds_of_silence()
    {
        var (a, b, net, connectedAt) = ConnectOnHosts();
        Drain(a);

        // A minute of healthy traffic: consent checks keep it alive.
        var t = Run(net, a, b, connectedAt, connectedAt + TimeSpan.FromSeconds(60), () => a.State != IceAgentState.Connected);
        Assert.Equal(IceAgentState.Connected, a.State);

        net.Blackhole = b;
        var silentFrom = t;
        var failedAt = Run(net, a, b, silentFrom, silentFrom + TimeSpan.FromSeconds(40), () => a.State == IceAgentState.Failed);

        Assert.Equal(IceAgentState.Failed, a.State);
        Assert.Contains(Drain(a), e => e.Kind == IceEventKind.Failed);
        var silence = failedAt - silentFrom;
        // The last response came at most one jittered interval (≤ 6 s) before the silence began.
        Assert.InRange(silence.TotalSeconds, 24, 30.01);
    }

    [Fact]
    public void Role_conflict_is_repaired_by_tie_breakers()
    {
        var a = new IceAgent(IceRole.Controlling, tieBreaker: 5, random: new Random(1));
        var b = new IceAgent(IceRole.Controlling, tieBreaker: 3, random: new Random(2));
        var net = new IceTestNetwork();
        net.AddPublic(a, PublicA);
        net.AddPublic(b, PublicB);
        ExchangeCredentials(a, b, TimeSpan.Zero);
        a.AddRemoteCandidate(Host(PublicB), TimeSpan.Zero);
        b.AddRemoteCandidate(Host(PublicA), TimeSpan.Zero);

        Run(net, a, b, TimeSpan.Zero, TimeSpan.FromSeconds(10),
            () => a.State == IceAgentState.Connected && b.State == IceAgentState.Connected);

        Assert.Equal(IceRole.Controlling, a.Role);
        Assert.Equal(IceRole.Controlled, b.Role);
        Assert.Equal(IceAgentState.Connected, b.State);
    }

    [Fact]
    public void Mdns_candidates_are_ignored()
    {
        var (a, _) = NewPair();
        Assert.True(IceCandidate.TryParse(
            "candidate:1 1 udp 2122260223 0f1e2d3c-aaaa-bbbb-cccc-1234567890ab.local 54321 typ host", out var mdns));
        Assert.True(mdns!.IsMdns);
        Assert.False(a.AddRemoteCandidate(mdns, TimeSpan.Zero));
    }

    [Fact]
    public void Restart_before_checks_forgets_the_peer()
    {
        var (a, _) = NewPair();
        var ufrag = a.LocalUfrag;
        a.SetRemoteCredentials("r", "remotepasswordremotepassword", TimeSpan.Zero);
        a.Restart();
        Assert.NotEqual(ufrag, a.LocalUfrag);
        Assert.Null(a.RemoteUfrag);
        Assert.Equal(IceAgentState.New, a.State);
        a.Close();
        Assert.Throws<InvalidOperationException>(a.Restart);
    }

    // Two agents connected on host candidates (a controlling at PublicA, b controlled at PublicB), their events kept.
    private static (IceAgent A, IceAgent B, IceTestNetwork Net, TimeSpan Now) ConnectOnHosts()
    {
        var (a, b) = NewPair();
        var net = new IceTestNetwork();
        net.AddPublic(a, PublicA);
        net.AddPublic(b, PublicB);
        ExchangeCredentials(a, b, TimeSpan.Zero);
        a.AddRemoteCandidate(Host(PublicB), TimeSpan.Zero);
        b.AddRemoteCandidate(Host(PublicA), TimeSpan.Zero);
        var now = Run(net, a, b, TimeSpan.Zero, TimeSpan.FromSeconds(5),
            () => a.State == IceAgentState.Connected && b.State == IceAgentState.Connected);
        return (a, b, net, now);
    }

    // Two agents connected on host candidates (a controlling at PublicA, b controlled at PublicB), events drained.
    private static (IceAgent A, IceAgent B, IceTestNetwork Net, TimeSpan Now) Connected()
    {
        var (a, b, net, now) = ConnectOnHosts();
        Assert.Equal(IceAgentState.Connected, b.State);
        Drain(a);
        Drain(b);
        return (a, b, net, now);
    }

    [Fact]
    public void Restart_connects_on_new_credentials_while_the_old_pair_carries_media()
    {
        var (a, b, net, now) = Connected();
        var (oldA, oldB) = (a.LocalUfrag, b.LocalUfrag);

        // RFC 8445 §9: both sides restart (new credentials exchanged in an offer/answer or a WHIP/WHEP PATCH).
        a.Restart();
        b.Restart();
        Assert.NotEqual(oldA, a.LocalUfrag);
        Assert.NotEqual(oldB, b.LocalUfrag);
        Assert.Equal(IceAgentState.Checking, a.State);
        Assert.Equal(PublicB, a.SelectedRemoteEndPoint); // media keeps its pair
        Assert.Equal(PublicA, b.SelectedRemoteEndPoint);
        ExchangeCredentials(a, b, now);
        a.AddRemoteCandidate(Host(PublicB), now);
        b.AddRemoteCandidate(Host(PublicA), now);

        var connectedAt = Run(net, a, b, now, now + TimeSpan.FromSeconds(5), () =>
        {
            // At every step until the new pair is selected, media still has somewhere to go.
            Assert.Equal(PublicB, a.SelectedRemoteEndPoint);
            Assert.Equal(PublicA, b.SelectedRemoteEndPoint);
            return a.State == IceAgentState.Connected && b.State == IceAgentState.Connected;
        });

        Assert.True(connectedAt - now < TimeSpan.FromSeconds(1), "reconnected in " + (connectedAt - now));
        Assert.Equal(IceRole.Controlling, a.Role); // RFC 8445 §9: a restart keeps the roles
        Assert.Equal(IceRole.Controlled, b.Role);
        Assert.Contains(Drain(a), e => e.Kind == IceEventKind.Connected);
        Assert.Contains(Drain(b), e => e.Kind == IceEventKind.Connected);

        // Consent freshness (RFC 7675) runs on the new pair: a minute later the agents are still connected.
        Run(net, a, b, connectedAt, connectedAt + TimeSpan.FromSeconds(60), () => a.State != IceAgentState.Connected || b.State != IceAgentState.Connected);
        Assert.Equal(IceAgentState.Connected, a.State);
        Assert.Equal(IceAgentState.Connected, b.State);
        Assert.Empty(Drain(a));
    }

    [Fact]
    public void Restart_moves_media_to_the_peers_new_address_once_a_new_pair_is_selected()
    {
        // The peer changed networks (the usual reason to restart): its new address takes over from the old pair only
        // when the controlling side nominates it.
        var (a, b, net, now) = Connected();
        var moved = new IPEndPoint(IPAddress.Parse("192.0.2.30"), 7100);
        net.Move(b, moved);
        a.Restart();
        b.Restart();
        ExchangeCredentials(a, b, now);
        a.AddRemoteCandidate(Host(moved), now);
        b.AddRemoteCandidate(Host(PublicA), now);

        Run(net, a, b, now, now + TimeSpan.FromSeconds(5), () =>
        {
            if (a.State != IceAgentState.Connected)
            {
                Assert.Equal(PublicB, a.SelectedRemoteEndPoint);
            }

            return a.State == IceAgentState.Connected && b.State == IceAgentState.Connected;
        });

        Assert.Equal(moved, a.SelectedRemoteEndPoint);
        Assert.Equal(PublicA, b.SelectedRemoteEndPoint);
    }

    [Fact]
    public void Checks_on_the_old_credentials_are_refused_after_a_restart()
    {
        var (a, b, _, now) = Connected();
        var (oldUfrag, oldPassword) = (b.LocalUfrag, b.LocalPassword);
        b.Restart();
        b.SetRemoteCredentials(a.LocalUfrag, a.LocalPassword, now);
        while (b.TryPollTransmit(out _))
        {
        }

        // A check as a's consent checks were signed before the restart: no answer, no peer-reflexive pair.
        Assert.True(b.HandleStun(Check(oldUfrag, a.LocalUfrag, oldPassword), PublicA, now));
        Assert.False(b.TryPollTransmit(out _));
        Assert.Equal(PublicA, b.SelectedRemoteEndPoint);

        // The same on the new credentials is answered (RFC 8445 §7.3.1.2).
        Assert.True(b.HandleStun(Check(b.LocalUfrag, a.LocalUfrag, b.LocalPassword), PublicA, now));
        Assert.True(b.TryPollTransmit(out var answer));
        Assert.True(StunMessage.TryRead(answer.Data, out var response, out _));
        Assert.Equal(StunClass.SuccessResponse, response!.Class);
    }

    // A controlling agent's check to the agent whose ufrag is `to` (RFC 8445 §7.2.2).
    private static byte[] Check(string to, string from, string password)
    {
        var request = new StunMessage(StunClass.Request, StunMessage.BindingMethod, StunMessage.NewTransactionId())
        {
            IntegrityKey = Encoding.UTF8.GetBytes(password),
            AddFingerprint = true,
        };
        request.AddUsername(to + ":" + from);
        request.AddUInt64(StunAttributeType.IceControlling, 2);
        return request.ToArray();
    }
}
