using System.Net;
using System.Net.Sockets;
using System.Text;
using EmsSharp.Media.Hub;
using EmsSharp.Server.Ingest;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Tests.Ingest;

/// <summary>
/// The RTSP listener's slots: full, it admits a new connection by closing its oldest one that is not publishing;
/// publishers are never closed so. The accept loop admits in connection order, so "oldest" is the first one connected.
/// </summary>
public sealed class RtspServerTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_recording_rtsp_publisher_is_never_closed_for_a_new_connection()
    {
        var options = Options.Create(new IngestOptions
        {
            RtspPort = 0,
            RtspAddress = "127.0.0.1",
            RtspMaxConnections = 2,
            RtspMaxConnectionsPerAddress = 2,
        });
        var hub = new StreamHub();
        using var server = new RtspServer(options, new PublishAuthorizer(options, hub, TimeProvider.System), TimeProvider.System, NullLogger<RtspServer>.Instance);
        await server.StartAsync(CancellationToken.None);
        try
        {
            using var publisher = await ConnectAsync(server.LocalEndPoint!, "127.0.0.2");
            var rtsp = new RtspClient(publisher, $"rtsp://127.0.0.1:{server.LocalEndPoint!.Port}/cam1");
            Assert.Equal(200, await rtsp.RequestAsync("ANNOUNCE", "Content-Type: application/sdp", "m=audio 0 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"));
            Assert.Equal(200, await rtsp.RequestAsync("SETUP", "Transport: RTP/AVP/TCP;unicast;interleaved=0-1"));
            Assert.Equal(200, await rtsp.RequestAsync("RECORD"));
            Assert.True(hub.TryGetStream("cam1", out _));

            // The publisher is older, but the silent connection is the one that makes room; then OPTIONS alone proves
            // nothing: the next newcomer closes the first.
            using var silent = await ConnectAsync(server.LocalEndPoint!, "127.0.0.3");
            using var newcomer = await ConnectAsync(server.LocalEndPoint!, "127.0.0.1");
            Assert.Equal(200, await new RtspClient(newcomer, "*").RequestAsync("OPTIONS"));
            Assert.True(await IsClosedAsync(silent));
            using var next = await ConnectAsync(server.LocalEndPoint!, "127.0.0.4");
            Assert.Equal(200, await new RtspClient(next, "*").RequestAsync("OPTIONS"));
            Assert.True(await IsClosedAsync(newcomer));

            Assert.Equal(200, await rtsp.RequestAsync("OPTIONS"));
            Assert.True(hub.TryGetStream("cam1", out _));
        }
        finally
        {
            await server.StopAsync(CancellationToken.None);
        }
    }

    private static async Task<TcpClient> ConnectAsync(IPEndPoint server, string from)
    {
        var client = new TcpClient(new IPEndPoint(IPAddress.Parse(from), 0));
        await client.ConnectAsync(server).WaitAsync(Timeout);
        return client;
    }

    private static async Task<bool> IsClosedAsync(TcpClient client)
    {
        try
        {
            return await client.GetStream().ReadAsync(new byte[1]).AsTask().WaitAsync(Timeout) == 0;
        }
        catch (IOException)
        {
            return true; // reset
        }
    }

    /// <summary>Just enough of an RTSP client: one request at a time, replies without a body.</summary>
    private sealed class RtspClient(TcpClient client, string uri)
    {
        private readonly StreamReader _reader = new(client.GetStream(), Encoding.ASCII);
        private int _cseq;

        public async Task<int> RequestAsync(string method, string? header = null, string body = "")
        {
            var request = new StringBuilder($"{method} {uri} RTSP/1.0\r\nCSeq: {++_cseq}\r\n");
            if (header is not null)
                request.Append(header).Append("\r\n");
            if (body.Length > 0)
                request.Append("Content-Length: ").Append(body.Length).Append("\r\n");
            request.Append("\r\n").Append(body);
            await client.GetStream().WriteAsync(Encoding.ASCII.GetBytes(request.ToString()));
            var status = await _reader.ReadLineAsync().WaitAsync(Timeout);
            while (!string.IsNullOrEmpty(await _reader.ReadLineAsync().WaitAsync(Timeout)))
            {
            }

            return int.Parse(status!.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}
