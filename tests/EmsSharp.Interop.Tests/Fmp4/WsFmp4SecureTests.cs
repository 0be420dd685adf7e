using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography.X509Certificates;
using EmsSharp.Interop.Tests.Playback;
using EmsSharp.Media.Fmp4;
using EmsSharp.Server.Delivery.Fmp4;
using Microsoft.Extensions.DependencyInjection;

namespace EmsSharp.Interop.Tests.Fmp4;

/// <summary><c>wss://</c> WS-FMP4 with a PEM certificate, through .NET's TLS client, and its handshake deadline.</summary>
public sealed class WsFmp4SecureTests
{
    [Fact]
    public async Task Wss_serves_the_init_packet_under_the_read_keys_while_clients_that_stall_the_tls_handshake_are_dropped()
    {
        var certs = Directory.CreateTempSubdirectory("ems-wss-cert-").FullName;
        var data = Directory.CreateTempSubdirectory("ems-wss-").FullName;
        try
        {
            var (cert, key) = SelfSignedPem.Write(certs, IPAddress.Loopback);
            await using var ems = await PlaybackRig.StartEmsAsync(data,
                "--WsFmp4:BindAddress", "127.0.0.1", "--WsFmp4:SecurePort", "0", "--WsFmp4:Cert", cert, "--WsFmp4:Key", key,
                "--WsFmp4:TlsHandshakeTimeout", "00:00:02", "--WsFmp4:ReadKeys:test", "s3cret");
            var endpoint = ems.Services.GetRequiredService<WsFmp4Endpoint>();
            var port = endpoint.SecureBoundEndPoint!.Port;
            Assert.DoesNotContain(ems.HttpEndPoint!.Port, new[] { port, endpoint.BoundEndPoint!.Port });
            using var silent = await StalledTlsClient.ConnectAsync(port, sendHalfClientHello: false);
            using var half = await StalledTlsClient.ConnectAsync(port, sendHalfClientHello: true);

            using var expected = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(cert));
            using var keyless = Client(expected);
            keyless.Options.CollectHttpResponseDetails = true;
            await Assert.ThrowsAsync<WebSocketException>(() => keyless.ConnectAsync(new Uri($"wss://127.0.0.1:{port}/test"), CancellationToken.None));
            Assert.Equal(HttpStatusCode.Unauthorized, keyless.HttpStatusCode); // the read keys hold over wss too

            using var socket = Client(expected);
            await socket.ConnectAsync(new Uri($"wss://127.0.0.1:{port}/test?progressive&key=s3cret"), CancellationToken.None);
            var buffer = new byte[64 * 1024];
            var first = await socket.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(15));
            Assert.Equal(WebSocketMessageType.Binary, first.MessageType);
            Assert.Equal((byte)Fmp4StreamPacketType.HeaderMoov, buffer[0]);

            await StalledTlsClient.WaitClosedByServerAsync(silent);
            await StalledTlsClient.WaitClosedByServerAsync(half);
            Assert.Equal(WebSocketState.Open, socket.State);
        }
        finally
        {
            Directory.Delete(certs, recursive: true);
            Directory.Delete(data, recursive: true);
        }
    }

    /// <summary>A WebSocket client that trusts exactly the server's self-signed certificate.</summary>
    private static ClientWebSocket Client(X509Certificate2 expected)
    {
        var socket = new ClientWebSocket();
        socket.Options.RemoteCertificateValidationCallback = (_, presented, _, _) => presented?.GetCertHashString() == expected.Thumbprint;
        return socket;
    }
}
