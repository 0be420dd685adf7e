using System.Net;
using System.Net.Sockets;

namespace EmsSharp.Interop.Tests;

/// <summary>A TCP client of a TLS port that never completes its handshake: it sends nothing, or half a ClientHello.</summary>
internal static class StalledTlsClient
{
    // RFC 8446 §5.1: a handshake record (22) of TLS 1.0 record version announcing 512 bytes, of which only the start of a
    // ClientHello (type 1, length 508) follows, so the server waits for the rest.
    private static readonly byte[] HalfClientHello = [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03];

    /// <summary>Connects to <paramref name="port"/> on loopback and sends nothing, or half a ClientHello.</summary>
    public static async Task<TcpClient> ConnectAsync(int port, bool sendHalfClientHello)
    {
        var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        if (sendHalfClientHello)
            await client.GetStream().WriteAsync(HalfClientHello);
        return client;
    }

    /// <summary>Returns once the server has closed the connection (a read ends or is reset); fails after 30 s.</summary>
    public static async Task WaitClosedByServerAsync(TcpClient client)
    {
        var buffer = new byte[512];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            while (await client.GetStream().ReadAsync(buffer, timeout.Token) > 0)
            {
                // an alert the server may send before closing
            }
        }
        catch (IOException)
        {
            // reset by the server: closed too
        }
        catch (OperationCanceledException)
        {
            Assert.Fail("the server did not close a connection that never completed its TLS handshake within 30 s");
        }
    }
}
