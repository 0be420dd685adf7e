using System.Net;
using EmsSharp.Rendezvous;

namespace EmsSharp.Interop.Tests.Rendezvous;

/// <summary>The secure ERS signalling port's TLS handshake deadline (<c>limits.tlsHandshakeSeconds</c>).</summary>
public sealed class SecureErsHandshakeTests
{
    [Fact]
    public async Task Secure_signalling_drops_clients_that_stall_the_tls_handshake_and_serves_others_meanwhile()
    {
        var dir = Directory.CreateTempSubdirectory("ers-tls-deadline").FullName;
        try
        {
            SelfSignedPem.Write(dir, IPAddress.Loopback);
            await using ErsHost ers = await SocketIoClientInteropTests.StartErsAsync(o =>
            {
                o.Server.Secure = true;
                o.BaseDirectory = dir;
                o.Limits.TlsHandshakeSeconds = 2;
            });
            using var silent = await StalledTlsClient.ConnectAsync(ers.Port, sendHalfClientHello: false);
            using var half = await StalledTlsClient.ConnectAsync(ers.Port, sendHalfClientHello: true);

            using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator };
            using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(15) };
            using var handshake = await http.GetAsync(new Uri(ers.LoopbackUri, "socket.io/1/"));
            Assert.Equal(HttpStatusCode.OK, handshake.StatusCode);

            await StalledTlsClient.WaitClosedByServerAsync(silent);
            await StalledTlsClient.WaitClosedByServerAsync(half);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
