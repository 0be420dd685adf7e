using EmsSharp.Protocols.Dtls;
using EmsSharp.Protocols.Dtls.BouncyCastle;

namespace EmsSharp.Protocols.Tests.Dtls;

/// <summary>
/// Two BouncyCastle endpoints wired back to back. BouncyCastle's handshake blocks on its own worker thread with
/// real-time retransmission timers, so these tests use real time and wait on events (no sleeps).
/// </summary>
public sealed class DtlsTransportTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Client_and_server_derive_the_same_srtp_keys_and_exchange_data()
    {
        var clientCert = DtlsCertificate.Generate();
        var serverCert = DtlsCertificate.Generate();
        var c = new DtlsTestEndpoint();
        var s = new DtlsTestEndpoint();
        using var client = new BcDtlsTransport(clientCert, serverCert.Fingerprint, c);
        using var server = new BcDtlsTransport(serverCert, clientCert.Fingerprint, s);
        c.Peer = server;
        s.Peer = client;
        c.Own = client;
        s.Own = server;

        server.Start(DtlsRole.Server);
        client.Start(DtlsRole.Client);
        var clientKeys = await c.Connected.Task.WaitAsync(Timeout);
        var serverKeys = await s.Connected.Task.WaitAsync(Timeout);

        // Each side sent inside its connected callback, as a session does (it starts its data channels at once and
        // sends its SCTP INIT, sized by SendLimit): an fmp4 viewer in the NAT matrix never played when the transport
        // was stored only after that callback, with SendLimit still 0.
        foreach (var (own, peer) in new[] { (c, s), (s, c) })
        {
            Assert.True(own.AtConnected is { SendLimit: > 0, Sent: true }, $"at connected: {own.AtConnected}");
            Assert.True(peer.Received.TryTake(out var first, Timeout));
            Assert.Equal([9, 9], first);
        }

        Assert.Equal(SrtpProtectionProfile.AeadAes128Gcm, clientKeys.ProfileId);
        Assert.Equal(56, clientKeys.KeyingMaterial.Length);
        Assert.Equal(clientKeys.KeyingMaterial, serverKeys.KeyingMaterial);
        Assert.True(clientKeys.IsDtlsClient);
        Assert.False(serverKeys.IsDtlsClient);
        Assert.Equal(clientKeys.GetLocalKeys(), serverKeys.GetRemoteKeys(), KeyComparer.Instance);

        Assert.True(client.Send([1, 2, 3]));
        Assert.True(s.Received.TryTake(out var atServer, Timeout));
        Assert.Equal([1, 2, 3], atServer);
        Assert.True(server.Send([4, 5]));
        Assert.True(c.Received.TryTake(out var atClient, Timeout));
        Assert.Equal([4, 5], atClient);

        client.Close();
        Assert.Null(await s.Closed.Task.WaitAsync(Timeout)); // close_notify is a clean close
    }

    [Fact]
    public async Task Records_sealed_by_openssl_open_in_bouncycastles_own_gcm_and_back()
    {
        var clientCert = DtlsCertificate.Generate();
        var serverCert = DtlsCertificate.Generate();
        var c = new DtlsTestEndpoint();
        var s = new DtlsTestEndpoint();
        var openSsl = new OpenSslTlsCrypto(new Org.BouncyCastle.Security.SecureRandom());
        var bouncyCastle = new Org.BouncyCastle.Tls.Crypto.Impl.BC.BcTlsCrypto(new Org.BouncyCastle.Security.SecureRandom());
        using var client = new BcDtlsTransport(clientCert, serverCert.Fingerprint, c, DtlsHandshakePool.Shared, crypto: bouncyCastle);
        using var server = new BcDtlsTransport(serverCert, clientCert.Fingerprint, s, DtlsHandshakePool.Shared, crypto: openSsl);
        c.Peer = server;
        s.Peer = client;

        server.Start(DtlsRole.Server);
        client.Start(DtlsRole.Client);
        await c.Connected.Task.WaitAsync(Timeout);
        await s.Connected.Task.WaitAsync(Timeout);

        // The handshake's Finished messages are the first records of the epoch; then application data both ways, up to
        // the most one record takes here (the send limit, from the path MTU).
        Assert.Equal(1, openSsl.OpenSslCiphers);
        foreach (var length in new[] { 1, 15, 16, 17, 1000, client.SendLimit })
        {
            var data = new byte[length];
            Random.Shared.NextBytes(data);
            Assert.True(client.Send(data));
            Assert.True(s.Received.TryTake(out var atServer, Timeout));
            Assert.Equal(data, atServer);
            Assert.True(server.Send(data));
            Assert.True(c.Received.TryTake(out var atClient, Timeout));
            Assert.Equal(data, atClient);
        }

        // The OpenSSL side opened every record of the peer's, and sealed its own once the first one opened, without
        // BouncyCastle's record layer (DtlsAeadRecords); BouncyCastle's own record layer read them, and reads its
        // close_notify as a clean close.
        Assert.Equal((6L, 6L), server.DirectRecords);
        Assert.Equal((0L, 0L), client.DirectRecords);
        server.Close();
        Assert.Null(await c.Closed.Task.WaitAsync(Timeout));
    }

    [Fact]
    public async Task Sessions_hold_no_thread_once_connected_so_many_share_a_small_handshake_pool()
    {
        const int pairs = 12;
        var pool = new DtlsHandshakePool(size: 2);
        var transports = new List<BcDtlsTransport>();
        var endpoints = new List<(DtlsTestEndpoint Client, DtlsTestEndpoint Server, BcDtlsTransport ClientTransport, BcDtlsTransport ServerTransport)>();
        try
        {
            for (var i = 0; i < pairs; i++)
            {
                var clientCert = DtlsCertificate.Generate();
                var serverCert = DtlsCertificate.Generate();
                var c = new DtlsTestEndpoint();
                var s = new DtlsTestEndpoint();
                var client = new BcDtlsTransport(clientCert, serverCert.Fingerprint, c, pool);
                var server = new BcDtlsTransport(serverCert, clientCert.Fingerprint, s, pool);
                transports.Add(client);
                transports.Add(server);
                c.Peer = server;
                s.Peer = client;
                endpoints.Add((c, s, client, server));
            }

            // Each pair's two handshakes need two threads at once; with two threads the pairs can only connect one
            // after the other, each releasing its threads when connected.
            foreach (var (c, s, client, server) in endpoints)
            {
                server.Start(DtlsRole.Server);
                client.Start(DtlsRole.Client);
            }

            foreach (var (c, s, _, _) in endpoints)
            {
                await c.Connected.Task.WaitAsync(Timeout);
                await s.Connected.Task.WaitAsync(Timeout);
            }

            Assert.Equal(2, pool.PeakThreadCount);

            // Every connected session still receives: its records are processed on the receiving side's thread.
            foreach (var (c, s, client, server) in endpoints)
            {
                Assert.True(client.Send([7]));
                Assert.True(s.Received.TryTake(out var atServer, Timeout));
                Assert.Equal([7], atServer);
                Assert.True(server.Send([8]));
                Assert.True(c.Received.TryTake(out var atClient, Timeout));
                Assert.Equal([8], atClient);
            }
        }
        finally
        {
            foreach (var transport in transports)
                transport.Dispose();
        }
    }

    [Fact]
    public async Task Fingerprint_mismatch_fails_the_handshake()
    {
        var clientCert = DtlsCertificate.Generate();
        var serverCert = DtlsCertificate.Generate();
        var other = DtlsCertificate.Generate();
        var c = new DtlsTestEndpoint();
        var s = new DtlsTestEndpoint();
        using var client = new BcDtlsTransport(clientCert, serverCert.Fingerprint, c);
        using var server = new BcDtlsTransport(serverCert, other.Fingerprint, s); // expects someone else
        c.Peer = server;
        s.Peer = client;

        server.Start(DtlsRole.Server);
        client.Start(DtlsRole.Client);

        Assert.Contains("bad_certificate", await s.Closed.Task.WaitAsync(Timeout), StringComparison.Ordinal);
        Assert.False(s.Connected.Task.IsCompleted);
    }

    [Fact]
    public async Task Handshake_threads_leave_when_idle_and_a_later_handshake_starts_one_again()
    {
        var pool = new DtlsHandshakePool(size: 4, idleTimeout: TimeSpan.FromMilliseconds(50));
        for (var round = 0; round < 2; round++)
        {
            var ran = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            pool.Run(ran.SetResult);
            await ran.Task.WaitAsync(Timeout);
            Assert.True(SpinWait.SpinUntil(() => pool.ThreadCount == 0, Timeout), $"{pool.ThreadCount} threads still alive");
        }

        Assert.Equal(1, pool.PeakThreadCount);
    }

    [Fact]
    public void Record_peek_recognises_client_hello()
    {
        byte[] hello = [22, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10, 1, 0, 0];
        Assert.True(DtlsRecordPeek.IsDtlsRecord(hello));
        Assert.True(DtlsRecordPeek.IsClientHello(hello));
        hello[13] = 2; // ServerHello
        Assert.False(DtlsRecordPeek.IsClientHello(hello));
        Assert.False(DtlsRecordPeek.IsDtlsRecord([22, 0xFE]));
        Assert.False(DtlsRecordPeek.IsDtlsRecord([0, 1, 0, 0, 0x21, 0x12, 0xA4, 0x42, 0, 0, 0, 0, 0, 0]));
    }

    [Fact]
    public void Fingerprint_is_sha256_in_sdp_form()
    {
        var cert = DtlsCertificate.Generate();
        Assert.Equal(95, cert.Fingerprint.Length); // 32 bytes as XX: pairs
        Assert.Equal(cert.Fingerprint, DtlsCertificate.ComputeFingerprint(cert.CertificateDer));
    }

    private sealed class KeyComparer : IEqualityComparer<(byte[] Key, byte[] Salt)>
    {
        public static readonly KeyComparer Instance = new();

        public bool Equals((byte[] Key, byte[] Salt) x, (byte[] Key, byte[] Salt) y) =>
            x.Key.AsSpan().SequenceEqual(y.Key) && x.Salt.AsSpan().SequenceEqual(y.Salt);

        public int GetHashCode((byte[] Key, byte[] Salt) obj) => obj.Key.Length;
    }
}
