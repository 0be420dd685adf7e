using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EmsSharp.Protocols.Dtls;

namespace EmsSharp.Protocols.Tests.Dtls;

/// <summary>
/// Malformed and hostile input to <see cref="DtlsEndpoint"/>: nothing may escape as an exception; framing errors are
/// dropped (RFC 6347 §4.1.2.7), a complete but invalid message ends the handshake with an alert and a reason.
/// </summary>
public sealed class DtlsEndpointMalformedTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(2);
    private static readonly DtlsCertificate ServerCertificate = DtlsCertificate.Generate();
    private static readonly DtlsCertificate ClientCertificate = DtlsCertificate.Generate();

    private static byte[] CaptureClientHello()
    {
        using var client = new DtlsEndpoint(DtlsRole.Client, ClientCertificate, ServerCertificate.Fingerprint);
        client.Start(TimeSpan.Zero);
        var buffer = new byte[2048];
        Assert.True(client.TryPollTransmit(buffer, out var length));
        return buffer.AsSpan(0, length).ToArray();
    }

    private static DtlsEndpoint NewServer()
    {
        var server = new DtlsEndpoint(DtlsRole.Server, ServerCertificate, ClientCertificate.Fingerprint);
        server.Start(TimeSpan.Zero);
        return server;
    }

    private static string? ClosedReason(DtlsEndpoint endpoint)
    {
        string? reason = null;
        while (endpoint.TryPollEvent(out var ev))
        {
            if (ev.Kind == DtlsEventKind.Closed)
            {
                reason = ev.Reason ?? "(clean)";
            }
        }

        return reason;
    }

    private static bool Answered(DtlsEndpoint endpoint) => endpoint.TryPollTransmit(new byte[2048], out _);

    [Fact]
    public void Truncated_records_and_bad_lengths_are_dropped_and_the_handshake_still_completes()
    {
        var hello = CaptureClientHello();
        using var server = NewServer();
        for (var length = 0; length < hello.Length; length++)
        {
            server.HandleInbound(hello.AsSpan(0, length), TimeSpan.Zero);
        }

        // Record length larger and smaller than the datagram; handshake fragment length past the record.
        var longer = (byte[])hello.Clone();
        BinaryPrimitives.WriteUInt16BigEndian(longer.AsSpan(11), (ushort)(hello.Length - 13 + 1));
        server.HandleInbound(longer, TimeSpan.Zero);
        var fragmentPast = (byte[])hello.Clone();
        fragmentPast[13 + 11]++; // fragment_length + 1: past the record
        server.HandleInbound(fragmentPast, TimeSpan.Zero);
        var offsetPast = (byte[])hello.Clone();
        offsetPast[13 + 8] = 1; // fragment_offset 1: offset + length past the message
        server.HandleInbound(offsetPast, TimeSpan.Zero);

        Assert.False(server.IsClosed);
        Assert.False(Answered(server));

        // Intact, it is answered.
        server.HandleInbound(hello, TimeSpan.Zero);
        Assert.True(Answered(server));
        Assert.Null(ClosedReason(server));
    }

    [Fact]
    public void Wrong_record_versions_are_dropped_and_a_dtls_1_0_client_is_refused()
    {
        var hello = CaptureClientHello();
        using var server = NewServer();
        foreach (var version in new ushort[] { 0x0303, 0xFEFE, 0x0000, 0xFEFC })
        {
            var copy = (byte[])hello.Clone();
            BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(1), version);
            server.HandleInbound(copy, TimeSpan.Zero);
        }

        Assert.False(server.IsClosed);
        Assert.False(Answered(server));

        var old = (byte[])hello.Clone();
        BinaryPrimitives.WriteUInt16BigEndian(old.AsSpan(13 + 12), 0xFEFF); // client_version DTLS 1.0
        server.HandleInbound(old, TimeSpan.Zero);
        Assert.StartsWith("protocol_version:", ClosedReason(server));
        Assert.True(Answered(server)); // the fatal alert
    }

    [Fact]
    public void The_client_answers_a_hello_verify_request_with_the_cookie_and_the_next_message_seq()
    {
        using var client = new DtlsEndpoint(DtlsRole.Client, ClientCertificate, ServerCertificate.Fingerprint);
        client.Start(TimeSpan.Zero);
        var buffer = new byte[2048];
        Assert.True(client.TryPollTransmit(buffer, out var firstLength));
        var first = buffer.AsSpan(0, firstLength).ToArray();

        // RFC 6347 §4.2.1: HelloVerifyRequest { server_version, cookie<0..2^8-1> }, message_seq 0.
        byte[] cookie = [1, 2, 3, 4, 5, 6, 7, 8];
        byte[] body = [0xFE, 0xFF, (byte)cookie.Length, .. cookie];
        byte[] handshake = [3, 0, 0, (byte)body.Length, 0, 0, 0, 0, 0, 0, 0, (byte)body.Length, .. body];
        byte[] record = [22, 0xFE, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte)handshake.Length, .. handshake];
        client.HandleInbound(record, TimeSpan.FromMilliseconds(10));

        Assert.True(client.TryPollTransmit(buffer, out var length));
        var second = buffer.AsSpan(0, length);
        Assert.Equal(1, BinaryPrimitives.ReadUInt16BigEndian(second[(13 + 4)..])); // message_seq 1
        var hello = second[(13 + 12)..];
        Assert.True(hello[2..34].SequenceEqual(first.AsSpan(13 + 12 + 2, 32))); // the same random
        Assert.Equal(0, hello[34]); // session_id
        Assert.True(hello.Slice(35, 1 + cookie.Length).SequenceEqual([(byte)cookie.Length, .. cookie]));
        Assert.False(client.IsClosed);

        // Its timer restarts at 1 s for this flight.
        Assert.Equal(TimeSpan.FromMilliseconds(1010), client.NextTimeout);
    }

    [Fact]
    public void An_oversize_handshake_message_ends_the_handshake_with_a_reason()
    {
        var hello = CaptureClientHello();
        using var server = NewServer();
        var huge = (byte[])hello.Clone();
        huge[13 + 1] = 0x01; // length 0x01xxxx: more than 64 KiB
        server.HandleInbound(huge, TimeSpan.Zero);
        var reason = ClosedReason(server);
        Assert.StartsWith("decode_error: handshake message 1 of", reason);
        Assert.Contains("exceeds the 16384-byte limit", reason);
    }

    [Fact]
    public void Messages_far_ahead_are_not_buffered()
    {
        var hello = CaptureClientHello();
        using var server = NewServer();

        // Fragments of messages 2..1000 (not the next expected): bounded, dropped past the window, never an error.
        for (var seq = 2; seq < 1000; seq++)
        {
            var copy = (byte[])hello.Clone();
            BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(13 + 4), (ushort)seq);
            server.HandleInbound(copy, TimeSpan.Zero);
        }

        Assert.False(server.IsClosed);
        server.HandleInbound(hello, TimeSpan.Zero);
        Assert.True(Answered(server));
    }

    [Fact]
    public void Seeded_mutations_and_garbage_never_throw()
    {
        var hello = CaptureClientHello();
        var random = new Random(1234);
        for (var i = 0; i < 2000; i++)
        {
            using var server = NewServer();
            var copy = (byte[])hello.Clone();
            if (i % 4 == 0)
            {
                random.NextBytes(copy);
                copy[0] = 22;
            }
            else
            {
                for (var flips = 1 + random.Next(4); flips > 0; flips--)
                {
                    copy[random.Next(copy.Length)] ^= (byte)(1 << random.Next(8));
                }
            }

            server.HandleInbound(copy, TimeSpan.Zero);
            var reason = ClosedReason(server);
            Assert.True(reason is null || reason.Contains(':', StringComparison.Ordinal), reason);
        }
    }

    [Fact]
    public void Garbage_forgeries_and_replays_after_the_handshake_are_dropped()
    {
        using var sim = Connected();
        var random = new Random(7);
        var buffer = new byte[1500];
        for (var i = 0; i < 500; i++)
        {
            var garbage = new byte[random.Next(1, 200)];
            random.NextBytes(garbage);
            if (i % 2 == 0 && garbage.Length > 13)
            {
                // A well framed epoch-1 application-data record that does not authenticate.
                garbage[0] = 23;
                garbage[1] = 0xFE;
                garbage[2] = 0xFD;
                garbage[3] = 0;
                garbage[4] = 1;
                BinaryPrimitives.WriteUInt16BigEndian(garbage.AsSpan(11), (ushort)(garbage.Length - 13));
            }

            sim.Inject(toServer: false, garbage);
        }

        // A plaintext fatal alert after the keys are in use is not authenticated: ignored.
        sim.Inject(toServer: false, [21, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 99, 0, 2, 2, 40]);
        Assert.True(sim.Client.IsConnected);
        Assert.Empty(sim.ClientReceived);

        // A record replayed is delivered once.
        Assert.True(sim.Server.Send([42]));
        Assert.True(sim.Server.TryPollTransmit(buffer, out var length));
        var record = buffer.AsSpan(0, length).ToArray();
        sim.Inject(toServer: false, record);
        sim.Inject(toServer: false, record);
        Assert.Single(sim.ClientReceived);
        Assert.Equal([42], sim.ClientReceived[0]);
    }

    [Fact]
    public void A_plaintext_fatal_alert_during_the_handshake_ends_it_with_the_reason()
    {
        using var server = NewServer();
        server.HandleInbound([21, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2, 2, 40], TimeSpan.Zero);
        Assert.Equal("alert received: handshake_failure", ClosedReason(server));
    }

    [Fact]
    public void A_server_expecting_another_fingerprint_ends_the_handshake_with_bad_certificate()
    {
        using var sim = new DtlsSimulation(serverExpects: DtlsCertificate.Generate().Fingerprint);
        sim.Start();
        sim.RunUntil(() => sim.ServerClosed is not null && sim.ClientClosed is not null, Limit);
        Assert.Equal("bad_certificate: fingerprint mismatch", sim.ServerClosed);
        Assert.Equal("alert received: bad_certificate", sim.ClientClosed);
        Assert.Null(sim.ClientKeys);
        Assert.Null(sim.ServerKeys);
    }

    [Fact]
    public void A_client_expecting_another_fingerprint_ends_the_handshake_with_bad_certificate()
    {
        using var client = new DtlsEndpoint(DtlsRole.Client, ClientCertificate, DtlsCertificate.Generate().Fingerprint);
        using var server = new DtlsEndpoint(DtlsRole.Server, ServerCertificate, ClientCertificate.Fingerprint);
        var (clientKeys, serverKeys, clientReason, serverReason) = Handshake(client, server);
        Assert.Equal("bad_certificate: fingerprint mismatch", clientReason);
        Assert.Equal("alert received: bad_certificate", serverReason);
        Assert.Null(clientKeys);
        Assert.Null(serverKeys);
    }

    [Fact]
    public void An_rsa_client_certificate_is_verified()
    {
        var (der, key) = RsaIdentity();
        var serverCert = DtlsCertificate.Generate();
        using var client = new DtlsEndpoint(DtlsRole.Client, der, key, serverCert.Fingerprint);
        using var server = new DtlsEndpoint(DtlsRole.Server, serverCert, DtlsCertificate.ComputeFingerprint(der));
        var (clientKeys, serverKeys, _, serverReason) = Handshake(client, server);
        Assert.Null(serverReason);
        Assert.Equal(clientKeys!.KeyingMaterial, serverKeys!.KeyingMaterial);
    }

    [Fact]
    public void An_rsa_server_certificate_is_verified_under_ecdhe_rsa()
    {
        var (der, key) = RsaIdentity();
        var clientCert = DtlsCertificate.Generate();
        using var client = new DtlsEndpoint(DtlsRole.Client, clientCert, DtlsCertificate.ComputeFingerprint(der));
        using var server = new DtlsEndpoint(DtlsRole.Server, der, key, clientCert.Fingerprint);
        var (clientKeys, serverKeys, clientReason, _) = Handshake(client, server);
        Assert.Null(clientReason);
        Assert.Equal(clientKeys!.KeyingMaterial, serverKeys!.KeyingMaterial);
    }

    [Fact]
    public void A_certificate_verify_signed_by_another_key_fails_with_decrypt_error()
    {
        var (der, _) = RsaIdentity();
        var (_, otherKey) = RsaIdentity();
        var serverCert = DtlsCertificate.Generate();
        using var client = new DtlsEndpoint(DtlsRole.Client, der, otherKey, serverCert.Fingerprint);
        using var server = new DtlsEndpoint(DtlsRole.Server, serverCert, DtlsCertificate.ComputeFingerprint(der));
        var (_, serverKeys, clientReason, serverReason) = Handshake(client, server);
        Assert.Null(serverKeys);
        Assert.Equal("decrypt_error: CertificateVerify signature does not verify", serverReason);
        Assert.Equal("alert received: decrypt_error", clientReason);
    }

    private static (byte[] Der, RSA Key) RsaIdentity()
    {
        var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=rsa-peer", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return (cert.RawData, key);
    }

    // Lossless, instant, in lock step: enough for these checks.
    private static (DtlsSrtpKeys? Client, DtlsSrtpKeys? Server, string? ClientReason, string? ServerReason) Handshake(
        DtlsEndpoint client, DtlsEndpoint server)
    {
        server.Start(TimeSpan.Zero);
        client.Start(TimeSpan.Zero);
        var buffer = new byte[2048];
        DtlsSrtpKeys? clientKeys = null, serverKeys = null;
        string? clientReason = null, serverReason = null;
        for (var round = 0; round < 6; round++)
        {
            foreach (var (from, to) in new[] { (client, server), (server, client) })
            {
                while (from.TryPollTransmit(buffer, out var n))
                {
                    to.HandleInbound(buffer.AsSpan(0, n), TimeSpan.Zero);
                }
            }

            foreach (var (endpoint, isClient) in new[] { (client, true), (server, false) })
            {
                while (endpoint.TryPollEvent(out var ev))
                {
                    if (ev.Kind == DtlsEventKind.Connected)
                    {
                        _ = isClient ? clientKeys = ev.Keys : serverKeys = ev.Keys;
                    }
                    else if (ev.Kind == DtlsEventKind.Closed)
                    {
                        _ = isClient ? clientReason = ev.Reason : serverReason = ev.Reason;
                    }
                }
            }
        }

        return (clientKeys, serverKeys, clientReason, serverReason);
    }

    private static DtlsSimulation Connected()
    {
        var sim = new DtlsSimulation();
        sim.Start();
        sim.RunUntil(() => sim.BothConnected, Limit);
        Assert.True(sim.BothConnected);
        return sim;
    }
}
