using EmsSharp.Protocols.Dtls;

namespace EmsSharp.Protocols.Tests.Dtls;

/// <summary>Our sans-IO DTLS endpoint against itself, in simulated time (no sleeps, no timed asserts).</summary>
public sealed class DtlsEndpointTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(2);

    [Fact]
    public void Client_and_server_connect_derive_the_same_keys_exchange_data_and_close()
    {
        using var sim = new DtlsSimulation();
        sim.Start();
        sim.RunUntil(() => sim.BothConnected, Limit);

        Assert.True(sim.BothConnected);
        var clientKeys = sim.ClientKeys!;
        var serverKeys = sim.ServerKeys!;
        Assert.Equal(SrtpProtectionProfile.AeadAes128Gcm, clientKeys.ProfileId);
        Assert.Equal(56, clientKeys.KeyingMaterial.Length);
        Assert.Equal(clientKeys.KeyingMaterial, serverKeys.KeyingMaterial);
        Assert.True(clientKeys.IsDtlsClient);
        Assert.False(serverKeys.IsDtlsClient);
        Assert.Equal(0, sim.Client.Retransmissions);
        Assert.Equal(0, sim.Server.Retransmissions);
        Assert.Null(sim.Client.NextTimeout); // connected, nothing to resend: no timer
        Assert.Null(sim.Server.NextTimeout);
        Assert.Equal(1200 - DtlsAeadRecords.Overhead, sim.Client.SendLimit);

        Assert.True(sim.Client.Send([1, 2, 3]));
        Assert.True(sim.Server.Send([4, 5]));
        Assert.True(sim.Server.Send(new byte[sim.Server.SendLimit]));
        Assert.False(sim.Server.Send(new byte[sim.Server.SendLimit + 1]));
        sim.Pump();
        sim.RunUntil(() => sim.ServerReceived.Count == 1 && sim.ClientReceived.Count == 2, Limit);
        Assert.Equal([1, 2, 3], sim.ServerReceived[0]);
        Assert.Equal([4, 5], sim.ClientReceived[0]);
        Assert.Equal(sim.Server.SendLimit, sim.ClientReceived[1].Length);
        Assert.All(sim.Sent, s => Assert.True(s.Datagram.Length <= 1200));

        sim.Client.Close();
        sim.Pump();
        sim.RunUntil(() => sim.ServerClosed is not null, Limit);
        Assert.Equal("(clean)", sim.ServerClosed);
        Assert.Equal("(clean)", sim.ClientClosed);
        Assert.False(sim.Server.Send([1]));
    }

    [Fact]
    public void Handshake_messages_are_fragmented_to_a_small_mtu()
    {
        using var sim = new DtlsSimulation(clientOptions: new DtlsEndpointOptions { Mtu = 300 }, serverOptions: new DtlsEndpointOptions { Mtu = 300 });
        sim.Start();
        sim.RunUntil(() => sim.BothConnected, Limit);
        Assert.True(sim.BothConnected);
        Assert.All(sim.Sent, s => Assert.True(s.Datagram.Length <= 300, $"{s.Datagram.Length} bytes"));

        // A certificate of ~350 bytes does not fit one 300-byte datagram: it went in fragments.
        Assert.Contains(sim.Sent, s => HandshakeDatagram.TryRead(s.Datagram, out var k) && k.FragmentOffset > 0);
        Assert.Equal(sim.ClientKeys!.KeyingMaterial, sim.ServerKeys!.KeyingMaterial);
    }

    [Fact]
    public void The_retransmission_timer_starts_at_one_second_and_doubles()
    {
        // The first three copies of the ClientHello are lost: it goes at 0, 1, 3 and 7 s (1 s, 2 s, 4 s apart).
        using var sim = new DtlsSimulation();
        sim.Drops = (fromClient, key, copy) => fromClient && key?.Name == "ClientHello" && copy < 3;
        sim.Start();
        sim.RunUntil(() => sim.BothConnected, Limit);

        Assert.True(sim.BothConnected);
        Assert.Equal(Seconds(0, 1, 3, 7), sim.TimesOf(fromClient: true, "ClientHello"));
        Assert.Equal(3, sim.Client.Retransmissions);

        // The next flight starts from 1 s again: the server's flight went once, 10 ms after the last ClientHello.
        Assert.Equal([TimeSpan.FromSeconds(7.01)], sim.TimesOf(fromClient: false, "ServerHello"));
    }

    [Fact]
    public void Total_loss_fails_at_the_handshake_timeout_with_a_reason()
    {
        using var sim = new DtlsSimulation();
        sim.Drops = (_, _, _) => true;
        sim.Start();
        sim.RunUntil(() => sim.ClientClosed is not null && sim.ServerClosed is not null, Limit);

        // 0, 1, 3, 7, 15 s; the next would be 31 s, past the 30 s handshake timeout.
        Assert.Equal(Seconds(0, 1, 3, 7, 15), sim.TimesOf(fromClient: true, "ClientHello"));
        Assert.Equal(TimeSpan.FromSeconds(30), sim.Now);
        Assert.Contains("handshake timed out after 30 s", sim.ClientClosed);
        Assert.Contains("handshake timed out", sim.ServerClosed);
        Assert.Null(sim.Client.NextTimeout);
    }

    [Fact]
    public void The_timer_is_capped_at_the_maximum()
    {
        var options = new DtlsEndpointOptions
        {
            InitialRetransmission = TimeSpan.FromMilliseconds(100),
            MaxRetransmission = TimeSpan.FromMilliseconds(400),
            HandshakeTimeout = TimeSpan.FromSeconds(2),
        };
        using var sim = new DtlsSimulation(clientOptions: options);
        sim.Drops = (_, _, _) => true;
        sim.Start();
        sim.RunUntil(() => sim.ClientClosed is not null, Limit);
        Assert.Equal(Seconds(0, 0.1, 0.3, 0.7, 1.1, 1.5, 1.9), sim.TimesOf(fromClient: true, "ClientHello"));
    }

    [Fact]
    public void Every_copy_of_the_servers_flight_lost_once_is_resent_when_the_client_hello_comes_again()
    {
        using var sim = new DtlsSimulation();
        sim.Drops = (fromClient, key, copy) => !fromClient && key?.Name == "ServerHello" && copy == 0;
        sim.Start();
        sim.RunUntil(() => sim.BothConnected, Limit);

        Assert.True(sim.BothConnected);

        // The client's timer resent its ClientHello at 1 s; the server, seeing it again at 1.01 s, resent its flight
        // at once (RFC 6347 §4.2.4), before its own timer (1.01 s after 0.01 s = 1.01 s: the same instant here).
        Assert.Equal(Seconds(0, 1), sim.TimesOf(fromClient: true, "ClientHello"));
        Assert.Equal(TimeSpan.FromSeconds(1.01), sim.TimesOf(fromClient: false, "ServerHello")[1]);
        Assert.Equal(sim.ClientKeys!.KeyingMaterial, sim.ServerKeys!.KeyingMaterial);
    }

    [Fact]
    public void A_lost_final_flight_is_resent_when_the_clients_finished_comes_again()
    {
        // The server's CCS+Finished is lost twice: the server has no timer for its final flight (RFC 6347 §4.2.4,
        // Figure 1); the client's timer resends flight 5 at 1 s and 3 s after it, and the server answers each.
        using var sim = new DtlsSimulation();
        sim.Drops = (fromClient, key, copy) => !fromClient && key?.Name == "ChangeCipherSpec" && copy < 2;
        sim.Start();
        sim.RunUntil(() => sim.BothConnected, Limit);

        Assert.True(sim.BothConnected);
        var flight5 = sim.TimesOf(fromClient: true, "Certificate");
        Assert.Equal(3, flight5.Count);
        Assert.Equal(TimeSpan.FromSeconds(1), flight5[1] - flight5[0]);
        Assert.Equal(TimeSpan.FromSeconds(2), flight5[2] - flight5[1]);
        Assert.Equal(flight5.Select(t => t + TimeSpan.FromMilliseconds(10)), sim.TimesOf(fromClient: false, "ChangeCipherSpec"));
    }

    [Theory]
    [InlineData(1, 1200)]
    [InlineData(2, 1200)]
    [InlineData(3, 300)]
    [InlineData(4, 300)]
    [InlineData(5, 256)]
    [InlineData(6, 256)]
    [InlineData(7, 1200)]
    [InlineData(8, 300)]
    public void Seeded_loss_reordering_and_duplication_the_handshake_completes_by_retransmission(int seed, int mtu)
    {
        var random = new Random(seed);
        var options = new DtlsEndpointOptions { Mtu = mtu, HandshakeTimeout = TimeSpan.FromSeconds(60) };
        using var sim = new DtlsSimulation(options, options)
        {
            Duplicates = seed % 2 == 0,
            Jitter = (_, _) => TimeSpan.FromMilliseconds(random.Next(0, 30)),
        };

        // Every datagram of the handshake is lost with probability 0.3, fragments included; and the whole first
        // copy of one flight (chosen by the seed) is lost.
        var flights = new[] { "ClientHello", "ServerHello", "Certificate", "ChangeCipherSpec" };
        var lostFlight = flights[seed % flights.Length];
        sim.Drops = (_, key, copy) => (key?.Name.StartsWith(lostFlight, StringComparison.Ordinal) == true && copy == 0) ||
            (!sim.BothConnected && random.NextDouble() < 0.3);
        sim.Start();
        sim.RunUntil(() => sim.BothConnected, Limit);

        Assert.True(sim.BothConnected, $"seed {seed}: client {sim.ClientClosed}, server {sim.ServerClosed}, now {sim.Now}");
        Assert.Contains(sim.Sent, s => s.Lost);
        Assert.True(sim.Client.Retransmissions + sim.Server.Retransmissions > 0);
        Assert.Equal(sim.ClientKeys!.KeyingMaterial, sim.ServerKeys!.KeyingMaterial);

        // The ClientHello is resent only by the client's timer (our server sends no HelloVerifyRequest): at 0, 1, 3,
        // 7, 15... s on the simulated clock, however the other losses fell.
        var clientHellos = sim.TimesOf(fromClient: true, "ClientHello");
        Assert.Equal(Seconds(0, 1, 3, 7, 15, 31, 63).Take(clientHellos.Count), clientHellos);

        // Application data flows after such a handshake.
        Assert.True(sim.Client.Send([7]));
        sim.Pump();
        sim.RunUntil(() => sim.ServerReceived.Count > 0, Limit);
        Assert.Equal([7], sim.ServerReceived[0]);
    }

    private static List<TimeSpan> Seconds(params double[] values) => [.. values.Select(TimeSpan.FromSeconds)];
}
