using System.Net;
using EmsSharp.Protocols.Stun;
using EmsSharp.Protocols.Turn;

namespace EmsSharp.Protocols.Tests.Turn;

/// <summary>Our TURN client against our TURN server core, over a simulated stream (every message in order, no loss).</summary>
public sealed class TurnClientTests
{
    private static readonly IPEndPoint Peer = new(IPAddress.Parse("192.0.2.10"), 4000);
    private static readonly TurnFiveTuple Tuple = TurnTestClient.Udp("192.0.2.1", 5000, TurnTransport.Tcp);
    private static readonly TimeSpan T0 = TimeSpan.FromSeconds(100);

    private readonly FakeRelays _relays = new();

    private TurnServer NewServer() =>
        new(new TurnServerOptions(), new FixedCredentials(new() { ["alice"] = "secret" }), _relays, TurnPeerPolicy.Default);

    /// <summary>Moves messages both ways until neither side has anything to send; returns what the server sent to peers.</summary>
    private static List<TurnTransmit> Pump(TurnClient client, TurnServer server, TimeSpan now)
    {
        var toPeers = new List<TurnTransmit>();
        bool moved;
        do
        {
            moved = false;
            while (client.TryPollTransmit(out var message))
            {
                moved = true;
                server.HandleInbound(message, Tuple, now);
            }

            while (server.TryPollTransmit(out var transmit))
            {
                moved = true;
                if (transmit.IsToPeer)
                {
                    toPeers.Add(transmit);
                }
                else
                {
                    client.HandleInbound(transmit.Payload.Span, now);
                }
            }
        }
        while (moved);
        return toPeers;
    }

    private static List<TurnClientEvent> Events(TurnClient client)
    {
        var events = new List<TurnClientEvent>();
        while (client.TryPollEvent(out var e))
        {
            events.Add(e);
        }

        return events;
    }

    private TurnClient Allocated(TurnServer server)
    {
        var client = new TurnClient("alice", "secret");
        client.Start(T0);
        Pump(client, server, T0);
        var allocated = Assert.Single(Events(client));
        Assert.Equal(TurnClientEventKind.Allocated, allocated.Kind);
        return client;
    }

    [Fact]
    public void Allocates_after_the_challenge_and_learns_relayed_and_mapped_addresses()
    {
        var server = NewServer();
        var client = Allocated(server);
        Assert.Equal(TurnClientState.Allocated, client.State);
        Assert.Equal(IPAddress.Parse("203.0.113.1"), client.RelayedAddress!.Address);
        Assert.Equal(Tuple.Client, client.MappedAddress);
        Assert.Equal(1, server.AllocationCount);
    }

    [Fact]
    public void Relays_both_ways_after_a_permission_for_the_peer()
    {
        var server = NewServer();
        var client = Allocated(server);

        Assert.True(client.Send(Peer, "hello"u8, T0));
        var sent = Assert.Single(Pump(client, server, T0));
        Assert.Equal(Peer, sent.Peer);
        Assert.Equal(client.RelayedAddress, sent.Relay);
        Assert.Equal("hello"u8.ToArray(), sent.Payload.ToArray());

        // RFC 8656 §11.3: the peer's answer comes back as a Data indication.
        server.HandleRelayInbound(client.RelayedAddress!, Peer, "world"u8, T0);
        Pump(client, server, T0);
        var data = Assert.Single(Events(client));
        Assert.Equal(TurnClientEventKind.Data, data.Kind);
        Assert.Equal(Peer, data.Peer);
        Assert.Equal("world"u8.ToArray(), data.Data);
    }

    [Fact]
    public void Refreshes_the_allocation_and_used_permissions_before_they_expire()
    {
        var server = NewServer();
        var client = Allocated(server);
        client.Send(Peer, "x"u8, T0);
        Pump(client, server, T0);

        // Ten minutes of traffic, a packet a minute: allocation (600 s) and permission (300 s) stay alive.
        for (var minute = 1; minute <= 10; minute++)
        {
            var now = T0 + TimeSpan.FromMinutes(minute);
            client.HandleTimeout(now);
            Assert.True(client.Send(Peer, "x"u8, now));
            var toPeer = Pump(client, server, now);
            Assert.Single(toPeer);
            Assert.Equal(TurnClientState.Allocated, client.State);
        }

        Assert.Empty(Events(client));
        Assert.Equal(1, server.AllocationCount);
    }

    [Fact]
    public void Wrong_password_fails_with_the_servers_reason()
    {
        var server = NewServer();
        var client = new TurnClient("alice", "wrong");
        client.Start(T0);
        Pump(client, server, T0);
        var failed = Assert.Single(Events(client));
        Assert.Equal(TurnClientEventKind.Failed, failed.Kind);
        Assert.Contains("Allocate", failed.Reason, StringComparison.Ordinal);
        Assert.Equal(TurnClientState.Failed, client.State);
        Assert.Equal(0, server.AllocationCount);
    }

    [Fact]
    public void A_server_that_does_not_answer_fails_the_client_after_the_transaction_timeout()
    {
        var client = new TurnClient("alice", "secret");
        client.Start(T0);
        Assert.True(client.TryPollTransmit(out _));
        Assert.Equal(T0 + TimeSpan.FromSeconds(39.5), client.NextTimeout);
        client.HandleTimeout(T0 + TimeSpan.FromSeconds(39));
        Assert.Equal(TurnClientState.Allocating, client.State);
        client.HandleTimeout(T0 + TimeSpan.FromSeconds(39.5));
        Assert.Equal(TurnClientState.Failed, Assert.Single(Events(client)).Kind switch
        {
            TurnClientEventKind.Failed => client.State,
            _ => TurnClientState.New,
        });
    }

    [Fact]
    public void Close_deletes_the_allocation()
    {
        var server = NewServer();
        var client = Allocated(server);
        client.Close(T0);
        Pump(client, server, T0);
        Assert.Equal(0, server.AllocationCount);
        Assert.Equal(TurnClientState.Closed, client.State);
    }

    [Fact]
    public void Responses_that_fail_integrity_or_belong_to_nobody_are_ignored_or_fail_safely()
    {
        var server = NewServer();
        var client = Allocated(server);
        var stray = new StunMessage(StunClass.SuccessResponse, TurnMethod.Refresh, StunMessage.NewTransactionId()) { AddFingerprint = true };
        client.HandleInbound(stray.ToArray(), T0);
        client.HandleInbound(new byte[] { 0x01, 0x01, 0x00 }, T0);
        Assert.Equal(TurnClientState.Allocated, client.State);
        Assert.Empty(Events(client));
    }
}
