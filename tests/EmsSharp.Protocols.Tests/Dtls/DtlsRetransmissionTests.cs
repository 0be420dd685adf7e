using EmsSharp.Protocols.Dtls;
using EmsSharp.Protocols.Dtls.BouncyCastle;

namespace EmsSharp.Protocols.Tests.Dtls;

/// <summary>
/// RFC 6347 §4.2.4 (timeout and retransmission): a handshake between two of our transports over a wire that loses,
/// duplicates, reorders and corrupts datagrams on purpose still completes, because each lost flight is sent again.
/// </summary>
/// <remarks>
/// BouncyCastle 2.7.0 times its retransmissions on its own wall clock (DtlsRecordLayer.Receive re-reads
/// DateTimeUtilities.CurrentUnixMs after each empty receive; see docs/ARCHITECTURE.md, rule 2), so these run in real
/// time, not on a fake clock: the first retransmission timer is shortened to <see cref="ResendMillis"/> (production
/// keeps RFC 6347's 1 s), and the tests wait on events with a generous timeout, never sleep. What is lost is decided
/// per datagram and copy (<see cref="HandshakeDatagram"/>), never by timing, so the loss pattern is the same on every
/// run; a slow machine may only add spurious retransmissions, which the assertions allow (at least, never at most).
/// </remarks>
public sealed class DtlsRetransmissionTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private const int ResendMillis = 20;
    private const int ToServer = 0;
    private const int ToClient = 1;
    private const int BcDatagramBridgeSendLimit = 1200;
    private static readonly DtlsCertificate ServerCertificate = DtlsCertificate.Generate();
    private static readonly DtlsCertificate ClientCertificate = DtlsCertificate.Generate();

    /// <summary>A full handshake's datagrams, one per message (none needs fragmenting at our 1,200-byte send limit).</summary>
    private static readonly string[] ClientFlights =
        ["ClientHello", "Certificate", "ClientKeyExchange", "CertificateVerify", "ChangeCipherSpec", "Finished"];

    private static readonly string[] ServerFlights =
        ["ServerHello", "Certificate", "ServerKeyExchange", "CertificateRequest", "ServerHelloDone", "ChangeCipherSpec", "Finished"];

    [Fact]
    public async Task Every_flight_lost_once_is_retransmitted_and_the_handshake_completes()
    {
        // Every datagram's first transmission is lost, both ways: each of the four flights must be sent again, the
        // server's last one (ChangeCipherSpec, Finished) only after the client retransmitted its own last flight,
        // since the server has finished and keeps no timer (RFC 6347 §4.2.4, FINISHED state).
        using var pair = new Pair(
            peer => new LossyWire(peer) { Drops = static (_, copy) => copy == 0 },
            peer => new LossyWire(peer) { Drops = static (_, copy) => copy == 0 });
        await pair.ConnectAsync();

        AssertEachRetransmitted(pair.Client.Wire, ClientFlights, static _ => 1);
        AssertEachRetransmitted(pair.Server.Wire, ServerFlights, static _ => 1);
        Assert.Equal(ClientFlights.Length, pair.Client.Wire.Dropped);
        Assert.Equal(ServerFlights.Length, pair.Server.Wire.Dropped);
        pair.ExchangeData();
    }

    /// <summary>Each loses 5 to 12 handshake datagrams; seeds 1 and 6 lose one four times in a row (timer backed off to 320 ms).</summary>
    public static TheoryData<int> Seeds => [.. Enumerable.Range(1, 6)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task Seeded_loss_of_30_percent_with_the_servers_finished_lost_is_recovered_by_retransmission(int seed)
    {
        Func<HandshakeDatagram, int, bool> toServer = (key, copy) => SeededLoss(seed, ToServer, key, copy);
        Func<HandshakeDatagram, int, bool> toClient = (key, copy) =>
            SeededLoss(seed, ToClient, key, copy) || (key.Name == "Finished" && copy == 0);
        using var pair = new Pair(peer => new LossyWire(peer) { Drops = toServer }, peer => new LossyWire(peer) { Drops = toClient });
        await pair.ConnectAsync();

        // Each datagram was sent at least once more than the pattern lost it in a row; what the pattern loses in total
        // before each first delivery was lost, and the server's Finished came again only because the client's did.
        var lostToServer = AssertEachRetransmitted(pair.Client.Wire, ClientFlights, key => LeadingLosses(toServer, key));
        var lostToClient = AssertEachRetransmitted(pair.Server.Wire, ServerFlights, key => LeadingLosses(toClient, key));
        Assert.InRange(pair.Client.Wire.Dropped, lostToServer, int.MaxValue);
        Assert.InRange(pair.Server.Wire.Dropped, lostToClient, int.MaxValue);
        Assert.InRange(lostToServer + lostToClient, 2, int.MaxValue); // the seed loses more than the forced Finished
        Assert.InRange(Copies(pair.Client.Wire, "Finished"), 2, int.MaxValue);
        pair.ExchangeData();
    }

    [Fact]
    public async Task The_send_limit_stays_the_ciphers_while_the_last_flight_is_sent_again()
    {
        // The server's Finished is lost: the client sends its last flight again and the connected server answers with its
        // own again (ChangeCipherSpec, Finished), which BouncyCastle writes from the old epoch (no cipher, so a larger
        // plaintext limit). A session that read the limit then sized its SCTP packets 24 bytes too large for every
        // record after, and each full packet was refused for good: an fmp4 viewer that stalled under load.
        using var pair = new Pair(
            peer => new LossyWire(peer),
            peer => new LossyWire(peer) { Drops = static (key, copy) => key.Name == "Finished" && copy == 0 });
        pair.Server.Watched = pair.ServerTransport;
        await pair.ConnectAsync();
        pair.ExchangeData(); // the client has the server's Finished: the flight went again

        // At least twice: on a loaded machine the client's 20 ms timer may fire again before the second copy arrives,
        // and the server answers each of its retransmissions (CI once saw 3; the class allows spurious resends).
        Assert.InRange(Copies(pair.Server.Wire, "Finished"), 2, int.MaxValue);
        var limit = pair.ServerTransport.SendLimit;
        Assert.InRange(limit, 1, BcDatagramBridgeSendLimit - 13 - 8 - 16); // a 13-byte header, GCM's nonce and tag
        Assert.NotEmpty(pair.Server.SendLimitsSeen);
        Assert.All(pair.Server.SendLimitsSeen, seen => Assert.Equal(limit, seen));
        Assert.True(pair.ServerTransport.Send(new byte[limit]));
    }

    [Fact]
    public async Task Duplicated_reordered_and_malformed_datagrams_during_the_handshake_do_not_break_it()
    {
        // Every flight arrives last datagram first, every datagram twice, each after a malformed variant of itself
        // (RFC 6347 §4.1.2.7: invalid records are silently discarded; §4.1.2.6: replays are discarded).
        using var pair = new Pair(Scrambled, Scrambled);
        await pair.ConnectAsync();

        // Reversal puts each Finished ahead of its ChangeCipherSpec, in an epoch the receiver cannot read yet: the
        // third flight (the client's) has to be sent again.
        Assert.InRange(Copies(pair.Client.Wire, "Finished"), 2, int.MaxValue);
        Assert.Equal(0, pair.Client.Wire.Dropped + pair.Server.Wire.Dropped);
        pair.ExchangeData();
    }

    private static LossyWire Scrambled(Func<IDtlsTransport?> peer)
    {
        var variant = 0;
        return new LossyWire(peer) { Duplicates = true, ReversesFlights = true, Corrupts = datagram => Malformed(datagram, variant++) };
    }

    /// <summary>A datagram that fails the record layer's checks before it could be taken for the real one (its sequence number stays unused).</summary>
    private static byte[] Malformed(byte[] datagram, int variant)
    {
        var copy = (byte[])datagram.Clone();
        switch (variant % 4)
        {
            case 0:
                return copy.AsSpan(0, 1 + (variant % (DtlsRecordPeek.HeaderLength - 1))).ToArray(); // shorter than a header
            case 1:
                return copy.AsSpan(0, copy.Length - 1).ToArray(); // shorter than its length field says
            case 2:
                copy[1] = 0x03; // TLS 1.2, not DTLS
                copy[2] = 0x03;
                return copy;
            default:
                copy[4] = 7; // an epoch nobody has
                return copy;
        }
    }

    /// <summary>
    /// Checks that exactly <paramref name="expected"/> handshake datagrams were sent, each at least once more than
    /// <paramref name="leadingLosses"/> says it was lost in a row from its first transmission; returns those losses.
    /// </summary>
    private static int AssertEachRetransmitted(LossyWire wire, string[] expected, Func<HandshakeDatagram, int> leadingLosses)
    {
        var copies = wire.Copies();
        Assert.Equal(expected.Order(), copies.Keys.Select(static key => key.Name).Order());
        var lost = 0;
        foreach (var (key, sent) in copies)
        {
            var losses = leadingLosses(key);
            Assert.True(sent > losses, $"{key.Name}: sent {sent} times, lost the first {losses}");
            lost += losses;
        }

        return lost;
    }

    private static int Copies(LossyWire wire, string name) => wire.Copies().Single(pair => pair.Key.Name == name).Value;

    private static int LeadingLosses(Func<HandshakeDatagram, int, bool> drops, HandshakeDatagram key)
    {
        var copy = 0;
        while (drops(key, copy))
        {
            copy++;
        }

        return copy;
    }

    /// <summary>Loses 30 % of the copies: a hash of (seed, direction, datagram, copy), the same on every run and platform.</summary>
    private static bool SeededLoss(int seed, int direction, HandshakeDatagram key, int copy)
    {
        var hash = Mix((ulong)seed);
        foreach (var value in (ReadOnlySpan<ulong>)[(ulong)direction, key.ContentType, key.Epoch, key.MessageType, key.MessageSeq, (ulong)key.FragmentOffset, (ulong)copy])
        {
            hash = Mix(hash ^ value);
        }

        return hash % 10 < 3;
    }

    /// <summary>SplitMix64's finaliser.</summary>
    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }

    /// <summary>A client and a server transport, each sending over its own wire to the other.</summary>
    private sealed class Pair : IDisposable
    {
        private readonly BcDtlsTransport _clientTransport;
        private readonly BcDtlsTransport _serverTransport;

        public Pair(Func<Func<IDtlsTransport?>, LossyWire> toServer, Func<Func<IDtlsTransport?>, LossyWire> toClient)
        {
            Client = new DtlsTestEndpoint(toServer);
            Server = new DtlsTestEndpoint(toClient);
            _clientTransport = new BcDtlsTransport(ClientCertificate, ServerCertificate.Fingerprint, Client, DtlsHandshakePool.Shared, ResendMillis);
            _serverTransport = new BcDtlsTransport(ServerCertificate, ClientCertificate.Fingerprint, Server, DtlsHandshakePool.Shared, ResendMillis);
            Client.Peer = _serverTransport;
            Server.Peer = _clientTransport;
        }

        public DtlsTestEndpoint Client { get; }

        public DtlsTestEndpoint Server { get; }

        public BcDtlsTransport ServerTransport => _serverTransport;

        public async Task ConnectAsync()
        {
            _serverTransport.Start(DtlsRole.Server);
            _clientTransport.Start(DtlsRole.Client);
            var client = Client.Connected.Task.WaitAsync(Timeout);
            var server = Server.Connected.Task.WaitAsync(Timeout);
            Assert.Equal((await client).KeyingMaterial, (await server).KeyingMaterial);
        }

        /// <summary>Application data both ways, each record once (a duplicated record is a replay and discarded).</summary>
        public void ExchangeData()
        {
            AssertDelivered(_clientTransport, Server, [1, 2, 3]);
            AssertDelivered(_serverTransport, Client, [4, 5]);
            Assert.False(Client.Closed.Task.IsCompleted);
            Assert.False(Server.Closed.Task.IsCompleted);
        }

        public void Dispose()
        {
            _clientTransport.Dispose();
            _serverTransport.Dispose();
        }

        private static void AssertDelivered(BcDtlsTransport from, DtlsTestEndpoint to, byte[] data)
        {
            // A second record behind the first: once it is in, anything the wire did to the first has arrived too.
            Assert.True(from.Send(data));
            Assert.True(from.Send([0xFF]));
            Assert.True(to.Received.TryTake(out var first, Timeout));
            Assert.Equal(data, first);
            Assert.True(to.Received.TryTake(out var second, Timeout));
            Assert.Equal([0xFF], second);
            Assert.Empty(to.Received);
        }
    }
}
