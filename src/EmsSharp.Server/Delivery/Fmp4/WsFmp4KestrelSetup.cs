using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EmsSharp.Server.Connections;
using EmsSharp.Server.Security;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Delivery.Fmp4;

/// <summary>
/// Adds the WS-FMP4 listeners to the ems Kestrel server, next to the HTTP API endpoint: <c>ws://</c>, and
/// <c>wss://</c> when a certificate is configured (never a generated one: a viewer would be asked to trust it), each with its
/// per-address connection cap (taken before TLS, so a stalled handshake counts).
/// </summary>
internal sealed class WsFmp4KestrelSetup(
    IOptions<WsFmp4Options> options, WsFmp4Endpoint endpoint, TimeProvider time, ILogger<WsFmp4KestrelSetup> logger,
    ConnectionRegistry connections)
    : IConfigureOptions<KestrelServerOptions>
{
    public void Configure(KestrelServerOptions kestrel)
    {
        var o = options.Value;
        if (!o.Enabled)
        {
            return;
        }

        var address = IPAddress.Parse(o.BindAddress);
        kestrel.Listen(address, o.Port, listen =>
        {
            endpoint.Attach(listen);
            listen.UseConnectionCap("WS-FMP4", o.ConnectionsPerAddress, int.MaxValue, time, logger);
            listen.UseConnectionList(connections, true, "TCP", WsFmp4Endpoint.ProtocolTag);
        });
        if (o.Secure)
        {
            // Kestrel drops a connection whose TLS handshake has not completed by HandshakeTimeout, so a client that
            // connects and sends nothing (or half a ClientHello) holds its socket only that long.
            var https = new HttpsConnectionAdapterOptions { ServerCertificate = LoadCertificate(o), HandshakeTimeout = o.TlsHandshakeTimeout };
            kestrel.Listen(address, o.SecurePort, listen =>
            {
                listen.UseConnectionCap("WS-FMP4 (wss)", o.ConnectionsPerAddress, int.MaxValue, time, logger);
                listen.UseConnectionList(connections, true, "TCP", "ISSL", WsFmp4Endpoint.ProtocolTag);
                listen.UseHttps(https);
                endpoint.AttachSecure(listen);
            });
        }
    }

    private static X509Certificate2 LoadCertificate(WsFmp4Options o)
    {
        var cert = Path.GetFullPath(o.Cert!);
        var key = Path.GetFullPath(o.Key!);
        try
        {
            return string.IsNullOrEmpty(o.KeyPassword)
                ? X509Certificate2.CreateFromPemFile(cert, key)
                : X509Certificate2.CreateFromEncryptedPemFile(cert, o.KeyPassword, key);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new InvalidDataException($"WsFmp4:Cert/WsFmp4:Key: cannot load {cert} with {key}: {ex.Message}", ex);
        }
    }
}
