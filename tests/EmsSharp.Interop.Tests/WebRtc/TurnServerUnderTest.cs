using System.Net;
using EmsSharp.Interop.Tests.Rendezvous;
using EmsSharp.Rendezvous;
using EmsSharp.Rendezvous.Configuration;
using EmsSharp.Server.Delivery.Ers;
using EmsSharp.WebRtc;
using Microsoft.Extensions.Logging.Abstractions;

namespace EmsSharp.Interop.Tests.WebRtc;

/// <summary>
/// A TURN server on loopback for <see cref="TurnRelayTests"/>: coturn, or an in-process ers (its bundled server, TLS
/// with a self-signed certificate, loopback peers allowed for the test) with the credential it hands an ems.
/// </summary>
internal sealed class TurnServerUnderTest : IAsyncDisposable
{
    private readonly CoturnProcess? _coturn;
    private readonly ErsHost? _ers;
    private readonly ErsClient? _client;
    private readonly string? _folder;

    private TurnServerUnderTest(TurnRelayOptions options, int minRelayPort, int maxRelayPort, CoturnProcess? coturn, ErsHost? ers,
        ErsClient? client, string? folder)
    {
        Options = options;
        MinRelayPort = minRelayPort;
        MaxRelayPort = maxRelayPort;
        _coturn = coturn;
        _ers = ers;
        _client = client;
        _folder = folder;
    }

    public TurnRelayOptions Options { get; }

    public int MinRelayPort { get; }

    public int MaxRelayPort { get; }

    public string Log => _coturn?.Log ?? "(in-process ers)";

    public static async Task<TurnServerUnderTest> StartAsync(TurnRelayTests.Server server)
    {
        if (server == TurnRelayTests.Server.CoturnTcp)
        {
            var coturn = await CoturnProcess.StartAsync();
            var (user, password) = CoturnProcess.Credentials("ems");
            return new TurnServerUnderTest(new TurnRelayOptions { Host = "127.0.0.1", Port = coturn.Port, Username = user, Password = password },
                coturn.MinRelayPort, coturn.MaxRelayPort, coturn, null, null, null);
        }

        var folder = Directory.CreateTempSubdirectory("ers-turn-relay-").FullName;
        var options = new ErsOptions();
        options.Server.Port = 0;
        options.Server.AdminPort = 0;
        options.Server.BindIP = "127.0.0.1";
        options.Turn.Port = 0;
        options.Turn.TlsPort = 0;
        options.StateFile = null; // no admin state shared between test runs through the test's bin folder
        options.Turn.Secret = "emssharp-relay-test";
        options.Turn.RelayPortMin = 45000 + (Environment.ProcessId % 50 * 100);
        options.Turn.RelayPortMax = options.Turn.RelayPortMin + 99;
        options.Turn.AllowedPeerRanges.Add("127.0.0.0/8"); // the peer is on loopback
        var tls = server == TurnRelayTests.Server.ErsTls;
        if (tls)
        {
            (options.Server.Cert, options.Server.Key) = SelfSignedPem.Write(folder, IPAddress.Loopback);
            options.Server.Secure = true;
        }

        var ers = await ErsHost.StartAsync(options, null, NullLoggerFactory.Instance);
        // The credential the ers hands the ems's own socket.io client when it joins (bound to that live socket), read
        // as the ems reads it.
        var client = new ErsClient(new ErsClientOptions
        {
            Host = "127.0.0.1",
            Port = ers.Port,
            RoomId = "relay",
            OverSsl = tls,
            AllowUntrustedCertificate = tls,
        });
        var probe = new ErsClientProbe(client);
        client.Start();
        await probe.WaitStatusAsync(ErsClientStatus.Joined);
        TurnRelayOptions? relay = null;
        foreach (var entry in client.TurnServers)
        {
            if (IceServerUrl.TryParseTurnStream(entry, allowUntrustedCertificate: tls) is { } parsed && parsed.Tls == tls)
                relay = parsed;
        }

        Assert.NotNull(relay);
        return new TurnServerUnderTest(relay, options.Turn.RelayPortMin, options.Turn.RelayPortMax, null, ers, client, folder);
    }

    public async ValueTask DisposeAsync()
    {
        _coturn?.Dispose();
        if (_client is not null)
            await _client.DisposeAsync();
        if (_ers is not null)
            await _ers.DisposeAsync();
        if (_folder is not null)
            Directory.Delete(_folder, recursive: true);
    }
}
