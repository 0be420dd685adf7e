using System.Net;
using System.Text;
using EmsSharp.Protocols.Stun;
using EmsSharp.Protocols.Turn;
using Microsoft.Extensions.Time.Testing;

namespace EmsSharp.Protocols.Tests.Turn;

public sealed class TurnServerTests
{
    private static readonly IPEndPoint Peer = new(IPAddress.Parse("192.0.2.10"), 4000);
    private static readonly TimeSpan T0 = TimeSpan.FromSeconds(100);

    private readonly FakeRelays _relays = new();

    private TurnServer NewServer(TurnServerOptions? options = null, TurnPeerPolicy? policy = null, ITurnCredentialStore? credentials = null) =>
        new(options ?? new TurnServerOptions(), credentials ?? new FixedCredentials(new() { ["alice"] = "secret", ["bob"] = "hunter2" }),
            _relays, policy ?? TurnPeerPolicy.Default);

    private static TurnTestClient Client(TurnServer server, string ip = "192.0.2.1", int port = 5000, string user = "alice",
        string password = "secret", TurnTransport transport = TurnTransport.Udp) =>
        new(server, TurnTestClient.Udp(ip, port, transport), user, password);

    private static TurnTransmit PollOne(TurnServer server)
    {
        Assert.True(server.TryPollTransmit(out TurnTransmit transmit));
        Assert.False(server.TryPollTransmit(out _));
        return transmit;
    }

    private static TurnTestClient Allocated(TurnServer server, TimeSpan now, string ip = "192.0.2.1", string user = "alice",
        string password = "secret", TurnTransport transport = TurnTransport.Udp)
    {
        TurnTestClient client = Client(server, ip, user: user, password: password, transport: transport);
        Assert.Equal(0, TurnTestClient.ErrorCode(client.Allocate(now)));
        return client;
    }

    [Fact]
    public void Binding_request_needs_no_credentials_and_reflects_the_address()
    {
        TurnServer server = NewServer();
        TurnTestClient client = Client(server);
        StunMessage response = client.Send(client.NewRequest(StunMessage.BindingMethod, authenticate: false), T0);
        Assert.Equal(StunClass.SuccessResponse, response.Class);
        Assert.True(response.TryGetXorMappedAddress(out IPEndPoint? mapped));
        Assert.Equal(client.Tuple.Client, mapped);
    }

    [Fact]
    public void Allocate_is_challenged_then_succeeds_with_relayed_mapped_address_and_lifetime()
    {
        TurnServer server = NewServer();
        TurnTestClient client = Client(server);
        StunMessage first = client.Send(Request(client, TurnMethod.Allocate), T0);
        Assert.Equal(401, TurnTestClient.ErrorCode(first));
        Assert.True(first.TryGetAttribute(StunAttributeType.Realm, out byte[] realm));
        Assert.Equal("emssharp", Encoding.UTF8.GetString(realm));
        Assert.StartsWith("obMatJos2", client.Nonce, StringComparison.Ordinal);

        StunMessage request = Request(client, TurnMethod.Allocate);
        byte[] bytes = request.ToArray();
        server.HandleInbound(bytes, client.Tuple, T0);
        TurnTransmit transmit = PollOne(server);
        Assert.True(StunMessage.TryRead(transmit.Payload.Span, out StunMessage? response, out _));
        Assert.Equal(StunClass.SuccessResponse, response!.Class);
        Assert.True(StunMessage.VerifyIntegrity(transmit.Payload.Span, response, TurnLongTermKey.Derive("alice", "emssharp", "secret")));
        Assert.True(response.TryGetAttribute(StunAttributeType.XorRelayedAddress, out byte[] relayed));
        Assert.True(StunXorAddress.TryDecode(relayed, response.TransactionId, out IPEndPoint? relay));
        Assert.Equal(IPAddress.Parse("203.0.113.1"), relay!.Address);
        Assert.True(response.TryGetXorMappedAddress(out IPEndPoint? mapped));
        Assert.Equal(client.Tuple.Client, mapped);
        Assert.True(response.TryGetUInt32(StunAttributeType.Lifetime, out uint lifetime));
        Assert.Equal(600u, lifetime);
        Assert.Equal(1, server.AllocationCount);

        // RFC 8656 §7.2: a retransmission gets the same response; a new Allocate on the 5-tuple gets 437.
        server.HandleInbound(bytes, client.Tuple, T0);
        Assert.Equal(transmit.Payload.ToArray(), PollOne(server).Payload.ToArray());
        Assert.Equal(437, TurnTestClient.ErrorCode(client.Allocate(T0)));
        Assert.Equal(1, server.AllocationCount);
    }

    [Fact]
    public void Message_integrity_sha256_is_verified_and_answered_in_kind()
    {
        TurnServer server = NewServer();
        TurnTestClient client = Client(server);
        client.UseSha256 = true;
        client.Send(Request(client, TurnMethod.Allocate), T0);
        StunMessage request = Request(client, TurnMethod.Allocate);
        server.HandleInbound(request.ToArray(), client.Tuple, T0);
        TurnTransmit transmit = PollOne(server);
        Assert.True(StunMessage.TryRead(transmit.Payload.Span, out StunMessage? response, out _));
        Assert.Equal(StunClass.SuccessResponse, response!.Class);
        Assert.True(response.IntegritySha256Offset >= 0);
        Assert.True(StunMessage.VerifyIntegritySha256(transmit.Payload.Span, response, TurnLongTermKey.Derive("alice", "emssharp", "secret")));
    }

    [Fact]
    public void Wrong_password_is_refused_with_401_and_nothing_is_allocated()
    {
        // RFC 8489 §9.2.4: a MESSAGE-INTEGRITY that does not verify gets 401 (441 is for a username other
        // than the allocation's, RFC 8656 §5; see Another_username_on_the_allocation_gets_441).
        TurnServer server = NewServer();
        TurnTestClient client = Client(server, password: "wrong");
        Assert.Equal(401, TurnTestClient.ErrorCode(client.Allocate(T0)));
        Assert.Equal(0, server.AllocationCount);
        Assert.Equal(2, server.Counters.AuthenticationFailures);
    }

    [Fact]
    public void Another_username_on_the_allocation_gets_441()
    {
        TurnServer server = NewServer();
        TurnTestClient alice = Allocated(server, T0);
        TurnTestClient bob = new(server, alice.Tuple, "bob", "hunter2") { Nonce = alice.Nonce };
        Assert.Equal(441, TurnTestClient.ErrorCode(bob.Refresh(T0)));
        Assert.Equal(441, TurnTestClient.ErrorCode(bob.CreatePermission(T0, Peer)));
    }

    [Fact]
    public void Stale_nonce_gets_438_with_a_new_nonce_that_works()
    {
        TurnServer server = NewServer(new TurnServerOptions { NonceLifetime = TimeSpan.FromSeconds(30) });
        TurnTestClient client = Allocated(server, T0);
        string old = client.Nonce!;
        StunMessage stale = client.Send(client.NewRequest(TurnMethod.Refresh), T0 + TimeSpan.FromSeconds(31));
        Assert.Equal(438, TurnTestClient.ErrorCode(stale));
        Assert.NotEqual(old, client.Nonce);
        Assert.Equal(0, TurnTestClient.ErrorCode(client.Refresh(T0 + TimeSpan.FromSeconds(31))));
    }

    [Fact]
    public void A_nonce_issued_to_another_client_is_stale()
    {
        TurnServer server = NewServer();
        TurnTestClient first = Client(server);
        first.Send(Request(first, TurnMethod.Allocate), T0);
        TurnTestClient second = Client(server, ip: "192.0.2.2");
        second.Nonce = first.Nonce;
        Assert.Equal(438, TurnTestClient.ErrorCode(second.Send(Request(second, TurnMethod.Allocate), T0)));
    }

    [Fact]
    public void Expired_rest_username_gets_401_and_a_live_one_succeeds()
    {
        FakeTimeProvider time = new(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));
        TurnRestCredentials rest = new("s3cret", time);
        TurnServer server = NewServer(credentials: rest);
        (string username, string password) = rest.Mint("sid1", TimeSpan.FromHours(1));
        Assert.Equal("1700003600:sid1", username);
        TurnTestClient client = Client(server, user: username, password: password);
        Assert.Equal(0, TurnTestClient.ErrorCode(client.Allocate(T0)));

        time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(401, TurnTestClient.ErrorCode(client.Refresh(T0)));
    }

    [Fact]
    public void Rest_credentials_match_the_secret_and_check_the_tag()
    {
        FakeTimeProvider time = new(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));
        HashSet<string> live = ["sid1"];
        TurnRestCredentials rest = new("s3cret", time, live.Contains);
        (string username, string password) = rest.Mint("sid1", TimeSpan.FromSeconds(60));
        Assert.Equal(password, rest.GetPassword(username));
        Assert.Equal(Convert.ToBase64String(System.Security.Cryptography.HMACSHA1.HashData("s3cret"u8, Encoding.UTF8.GetBytes(username))), password);
        live.Clear();
        Assert.Null(rest.GetPassword(username));
        Assert.Null(rest.GetPassword("notanumber:sid1"));
    }

    [Fact]
    public void Per_user_quota_gets_486_and_total_capacity_508()
    {
        TurnServer server = NewServer(new TurnServerOptions { MaxAllocationsPerUser = 1 });
        Allocated(server, T0, ip: "192.0.2.1");
        Assert.Equal(486, TurnTestClient.ErrorCode(Client(server, ip: "192.0.2.2").Allocate(T0)));
        Assert.Equal(1, server.AllocationCount);

        TurnServer full = NewServer(new TurnServerOptions { MaxAllocations = 1 });
        Allocated(full, T0, ip: "192.0.2.1");
        Assert.Equal(508, TurnTestClient.ErrorCode(Allocated_expecting_error(full, "192.0.2.9", "bob", "hunter2")));
    }

    [Fact]
    public void Per_ip_quota_gets_486()
    {
        TurnServer server = NewServer(new TurnServerOptions { MaxAllocationsPerIp = 1 });
        Allocated(server, T0, ip: "192.0.2.1");
        Assert.Equal(486, TurnTestClient.ErrorCode(Allocated_expecting_error(server, "192.0.2.1", "bob", "hunter2")));
    }

    [Fact]
    public void No_relay_port_gets_508_and_wrong_transport_442()
    {
        TurnServer server = NewServer();
        _relays.Exhausted = true;
        Assert.Equal(508, TurnTestClient.ErrorCode(Client(server).Allocate(T0)));
        _relays.Exhausted = false;
        TurnTestClient tcp = Client(server);
        Assert.Equal(442, TurnTestClient.ErrorCode(tcp.Request(TurnMethod.Allocate, T0,
            r => r.AddUInt32(StunAttributeType.RequestedTransport, 6u << 24))));
        Assert.Equal(400, TurnTestClient.ErrorCode(tcp.Request(TurnMethod.Allocate, T0)));
        Assert.Equal(0, server.AllocationCount);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("0.0.0.0")]
    [InlineData("169.254.10.1")]
    [InlineData("224.0.0.251")]
    [InlineData("255.255.255.255")]
    [InlineData("10.1.2.3")]
    [InlineData("172.16.5.5")]
    [InlineData("192.168.1.1")]
    [InlineData("100.64.0.1")]
    public void Forbidden_peers_get_403_and_nothing_is_installed(string address)
    {
        TurnServer server = NewServer();
        TurnTestClient client = Allocated(server, T0);
        IPEndPoint forbidden = new(IPAddress.Parse(address), 9);
        Assert.Equal(403, TurnTestClient.ErrorCode(client.CreatePermission(T0, Peer, forbidden)));
        Assert.Equal(403, TurnTestClient.ErrorCode(client.ChannelBind(T0, 0x4000, forbidden)));
        client.SendIndication(Peer, [1], T0);
        Assert.False(server.TryPollTransmit(out _)); // the allowed peer got no permission either
        client.SendIndication(forbidden, [1], T0);
        Assert.False(server.TryPollTransmit(out _));
        server.HandleRelayInbound(RelayOf(client), forbidden, [1], T0);
        Assert.False(server.TryPollTransmit(out _));
        Assert.Equal(4, server.Counters.DroppedForbiddenPeer);
    }

    [Theory]
    [InlineData("::1")]
    [InlineData("fe80::1")]
    [InlineData("ff02::1")]
    [InlineData("fd00::1")]
    [InlineData("::ffff:127.0.0.1")]
    public void Forbidden_ipv6_peers_are_refused_by_the_policy(string address) =>
        Assert.False(TurnPeerPolicy.Default.IsAllowed(IPAddress.Parse(address)));

    [Fact]
    public void Own_subnets_and_the_allow_list_open_private_peers_and_the_deny_list_closes_public_ones()
    {
        TurnPeerPolicy policy = new([IPNetwork.Parse("10.0.0.0/24")], [IPNetwork.Parse("127.0.0.0/8")], [IPNetwork.Parse("192.0.2.0/24")]);
        Assert.True(policy.IsAllowed(IPAddress.Parse("10.0.0.7")));
        Assert.False(policy.IsAllowed(IPAddress.Parse("10.0.1.7")));
        Assert.True(policy.IsAllowed(IPAddress.Parse("127.0.0.1")));
        Assert.False(policy.IsAllowed(IPAddress.Parse("192.0.2.10")));
        Assert.True(policy.IsAllowed(IPAddress.Parse("198.51.100.7")));
        Assert.False(TurnPeerPolicy.Default.IsAllowed(IPAddress.Parse("127.0.0.1")));
    }

    [Fact]
    public void Send_and_data_indications_relay_with_a_permission_and_expire_with_it()
    {
        TurnServer server = NewServer();
        TurnTestClient client = Allocated(server, T0);
        IPEndPoint relay = RelayOf(client);
        client.SendIndication(Peer, [1, 2, 3], T0);
        Assert.False(server.TryPollTransmit(out _)); // RFC 8656 §11.2: no permission yet
        Assert.Equal(0, TurnTestClient.ErrorCode(client.CreatePermission(T0, Peer)));

        client.SendIndication(Peer, [1, 2, 3], T0);
        TurnTransmit toPeer = PollOne(server);
        Assert.Equal(relay, toPeer.Relay);
        Assert.Equal(Peer, toPeer.Peer);
        Assert.Equal(new byte[] { 1, 2, 3 }, toPeer.Payload.ToArray());

        // Permissions ignore the port (RFC 8656 §9).
        IPEndPoint otherPort = new(Peer.Address, 4001);
        server.HandleRelayInbound(relay, otherPort, [9, 8], T0);
        TurnTransmit toClient = PollOne(server);
        Assert.False(toClient.IsToPeer);
        Assert.True(StunMessage.TryRead(toClient.Payload.Span, out StunMessage? data, out _));
        Assert.Equal(StunClass.Indication, data!.Class);
        Assert.Equal(TurnMethod.Data, data.Method);
        Assert.True(data.TryGetAttribute(StunAttributeType.Data, out byte[] payload));
        Assert.Equal(new byte[] { 9, 8 }, payload);
        Assert.True(data.TryGetAttribute(StunAttributeType.XorPeerAddress, out byte[] from));
        Assert.True(StunXorAddress.TryDecode(from, data.TransactionId, out IPEndPoint? fromPeer));
        Assert.Equal(otherPort, fromPeer);

        // RFC 8656 §9: 300 s later the permission is gone, both ways.
        TimeSpan later = T0 + TimeSpan.FromSeconds(300);
        server.HandleTimeout(later);
        client.SendIndication(Peer, [1], later);
        server.HandleRelayInbound(relay, Peer, [1], later);
        Assert.False(server.TryPollTransmit(out _));
        Assert.Equal(3, server.Counters.DroppedNoPermission);
    }

    [Fact]
    public void Unpermitted_relay_datagrams_are_dropped_and_counted()
    {
        TurnServer server = NewServer();
        TurnTestClient client = Allocated(server, T0);
        server.HandleRelayInbound(RelayOf(client), Peer, [1], T0);
        server.HandleRelayInbound(new IPEndPoint(IPAddress.Loopback, 1), Peer, [1], T0);
        Assert.False(server.TryPollTransmit(out _));
        Assert.Equal(1, server.Counters.DroppedNoPermission);
        Assert.Equal(1, server.Counters.DroppedNoAllocation);
    }

    [Theory]
    [InlineData(TurnTransport.Udp, 7)]
    [InlineData(TurnTransport.Tcp, 8)]
    public void Channel_data_flows_both_ways_padded_on_streams(TurnTransport transport, int expectedLength)
    {
        TurnServer server = NewServer();
        TurnTestClient client = Allocated(server, T0, transport: transport);
        IPEndPoint relay = RelayOf(client);
        Assert.Equal(0, TurnTestClient.ErrorCode(client.ChannelBind(T0, 0x4001, Peer)));

        server.HandleInbound([0x40, 0x01, 0x00, 0x03, 7, 8, 9, 0], client.Tuple, T0);
        TurnTransmit toPeer = PollOne(server);
        Assert.Equal(Peer, toPeer.Peer);
        Assert.Equal(new byte[] { 7, 8, 9 }, toPeer.Payload.ToArray());

        server.HandleRelayInbound(relay, Peer, [4, 5, 6], T0);
        TurnTransmit toClient = PollOne(server);
        Assert.Equal(expectedLength, toClient.Payload.Length);
        Assert.Equal(new byte[] { 0x40, 0x01, 0x00, 0x03, 4, 5, 6 }, toClient.Payload[..7].ToArray());

        // A datagram from the same IP on another port has no channel: a Data indication.
        server.HandleRelayInbound(relay, new IPEndPoint(Peer.Address, 1), [4], T0);
        Assert.True(StunMessage.IsStun(PollOne(server).Payload.Span));
    }

    [Fact]
    public void Channel_bind_rules_of_rfc8656_section_12()
    {
        TurnServer server = NewServer();
        TurnTestClient client = Allocated(server, T0);
        IPEndPoint other = new(IPAddress.Parse("192.0.2.11"), 4000);
        Assert.Equal(0, TurnTestClient.ErrorCode(client.Refresh(T0, 3600)));
        Assert.Equal(400, TurnTestClient.ErrorCode(client.ChannelBind(T0, 0x3FFF, Peer)));
        Assert.Equal(400, TurnTestClient.ErrorCode(client.ChannelBind(T0, 0x8000, Peer)));
        Assert.Equal(0, TurnTestClient.ErrorCode(client.ChannelBind(T0, 0x4000, Peer)));
        Assert.Equal(0, TurnTestClient.ErrorCode(client.ChannelBind(T0, 0x4000, Peer))); // refresh
        Assert.Equal(400, TurnTestClient.ErrorCode(client.ChannelBind(T0, 0x4000, other))); // number taken
        Assert.Equal(400, TurnTestClient.ErrorCode(client.ChannelBind(T0, 0x4002, Peer))); // peer taken
        Assert.Equal(400, TurnTestClient.ErrorCode(client.Request(TurnMethod.ChannelBind, T0,
            r => r.AddUInt32(StunAttributeType.ChannelNumber, 0x40030000))));

        // Expired after 600 s, but neither number nor peer may be rebound elsewhere for 5 more minutes.
        TimeSpan expired = T0 + TimeSpan.FromSeconds(601);
        server.HandleTimeout(expired);
        server.HandleInbound([0x40, 0x00, 0x00, 0x01, 1, 0, 0, 0], client.Tuple, expired);
        Assert.False(server.TryPollTransmit(out _));
        Assert.Equal(400, TurnTestClient.ErrorCode(client.ChannelBind(expired, 0x4000, other)));
        TimeSpan free = T0 + TimeSpan.FromSeconds(901);
        server.HandleTimeout(free);
        Assert.Equal(0, TurnTestClient.ErrorCode(client.ChannelBind(free, 0x4000, other)));
        Assert.Equal(0, TurnTestClient.ErrorCode(client.ChannelBind(free, 0x4002, Peer)));
    }

    [Fact]
    public void Refresh_with_lifetime_zero_deletes_and_the_allocation_expires_on_time()
    {
        TurnServer server = NewServer();
        TurnTestClient client = Allocated(server, T0);
        StunMessage refreshed = client.Refresh(T0, 7200);
        Assert.True(refreshed.TryGetUInt32(StunAttributeType.Lifetime, out uint granted));
        Assert.Equal(3600u, granted); // capped at the maximum
        StunMessage deleted = client.Refresh(T0, 0);
        Assert.True(deleted.TryGetUInt32(StunAttributeType.Lifetime, out uint zero));
        Assert.Equal(0u, zero);
        Assert.Equal(0, server.AllocationCount);
        Assert.Single(_relays.Released);
        Assert.Equal(437, TurnTestClient.ErrorCode(client.Refresh(T0)));

        TurnTestClient second = Allocated(server, T0, ip: "192.0.2.2");
        Assert.NotNull(server.NextTimeout);
        server.HandleTimeout(T0 + TimeSpan.FromSeconds(599));
        Assert.Equal(1, server.AllocationCount);
        server.HandleTimeout(T0 + TimeSpan.FromSeconds(600));
        Assert.Equal(0, server.AllocationCount);
        Assert.Equal(2, _relays.Released.Count);
        Assert.Null(server.NextTimeout);
        Assert.Equal(437, TurnTestClient.ErrorCode(second.CreatePermission(T0 + TimeSpan.FromSeconds(600), Peer)));
    }

    [Fact]
    public void Closing_a_stream_client_deletes_its_allocation()
    {
        TurnServer server = NewServer();
        TurnTestClient client = Allocated(server, T0, transport: TurnTransport.Tcp);
        server.HandleClientClosed(client.Tuple);
        Assert.Equal(0, server.AllocationCount);
        Assert.Single(_relays.Released);
    }

    [Fact]
    public void The_rate_bound_drops_a_flood_and_counts_it()
    {
        TurnServer server = NewServer(new TurnServerOptions
        {
            RelayBurstBytes = 10_000,
            RelayBytesPerSecond = 10_000,
            RelayBurstPackets = 1000,
            RelayPacketsPerSecond = 1000,
        });
        TurnTestClient client = Allocated(server, T0);
        IPEndPoint relay = RelayOf(client);
        Assert.Equal(0, TurnTestClient.ErrorCode(client.CreatePermission(T0, Peer)));
        byte[] packet = new byte[1000];
        int relayed = 0;
        for (int i = 0; i < 100; i++)
        {
            server.HandleRelayInbound(relay, Peer, packet, T0);
            while (server.TryPollTransmit(out _))
            {
                relayed++;
            }
        }

        Assert.Equal(10, relayed);
        Assert.Equal(90, server.Counters.DroppedRateLimited);
        server.HandleRelayInbound(relay, Peer, packet, T0 + TimeSpan.FromSeconds(0.1));
        Assert.True(server.TryPollTransmit(out _));
    }

    [Fact]
    public void Oversized_payloads_are_dropped()
    {
        TurnServer server = NewServer();
        TurnTestClient client = Allocated(server, T0);
        Assert.Equal(0, TurnTestClient.ErrorCode(client.CreatePermission(T0, Peer)));
        server.HandleRelayInbound(RelayOf(client), Peer, new byte[TurnServer.MaxPayloadLength + 1], T0);
        Assert.False(server.TryPollTransmit(out _));
        Assert.Equal(1, server.Counters.DroppedTooLarge);
    }

    [Fact]
    public void Dont_fragment_and_unknown_required_attributes_get_420()
    {
        TurnServer server = NewServer();
        TurnTestClient client = Client(server);
        StunMessage response = client.Allocate(T0, r => r.AddFlag(StunAttributeType.DontFragment));
        Assert.Equal(420, TurnTestClient.ErrorCode(response));
        Assert.True(response.TryGetAttribute(StunAttributeType.UnknownAttributes, out byte[] unknown));
        Assert.Equal(new byte[] { 0x00, 0x1A }, unknown);
        Assert.Equal(420, TurnTestClient.ErrorCode(client.Allocate(T0, r => r.AddFlag(0x7777))));
        Assert.Equal(0, server.AllocationCount);
    }

    [Fact]
    public void Requests_without_an_allocation_get_437()
    {
        TurnServer server = NewServer();
        TurnTestClient client = Client(server);
        Assert.Equal(437, TurnTestClient.ErrorCode(client.CreatePermission(T0, Peer)));
        Assert.Equal(437, TurnTestClient.ErrorCode(client.ChannelBind(T0, 0x4000, Peer)));
        Assert.Equal(437, TurnTestClient.ErrorCode(client.Refresh(T0)));
    }

    private static StunMessage Request(TurnTestClient client, ushort method)
    {
        StunMessage request = client.NewRequest(method);
        request.AddUInt32(StunAttributeType.RequestedTransport, 17u << 24);
        return request;
    }

    private StunMessage Allocated_expecting_error(TurnServer server, string ip, string user, string password) =>
        Client(server, ip, port: 5001, user: user, password: password).Allocate(T0);

    private static IPEndPoint RelayOf(TurnTestClient client) => client.Relay!;
}
