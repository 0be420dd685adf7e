using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using EmsSharp.Load.Viewers;
using EmsSharp.Protocols.Stun;
using EmsSharp.Protocols.Tests.Rtmp;
using EmsSharp.Rendezvous.Tests;
using EmsSharp.Server.Tests;

namespace EmsSharp.Interop.Tests.Hardening;

/// <summary>
/// The normal client of every listener of the ems and the ers, each on a fresh connection from 127.0.0.1 (attackers use
/// 127.0.0.2 and up). The suite runs them all after every probe.
/// </summary>
internal static class NormalClients
{
    /// <summary>An encoder's handshake and <c>connect</c>, answered with <c>NetConnection.Connect.Success</c>.</summary>
    public static readonly NormalClient Rtmp = new("RTMP", async (rig, token) =>
    {
        await using var client = await RtmpProbeClient.ConnectAsync(rig.Rtmp, IPAddress.Loopback, rig.Replies, token);
        await client.SendAsync(new RtmpClientScript().Handshake(new byte[1536]).Connect("live").Bytes, token);
        Assert.Equal("NetConnection.Connect.Success", (await client.ReadReplyAsync(r => r.Command == "_result", token))?.Code);
    });

    /// <summary>RTSP <c>OPTIONS</c>, answered 200.</summary>
    public static readonly NormalClient Rtsp = new("RTSP", async (rig, token) =>
        Assert.StartsWith("RTSP/1.0 200 ", await RtspAsync(rig, $"OPTIONS rtsp://{rig.Rtsp}/ RTSP/1.0\r\nCSeq: 1\r\n\r\n", token),
            StringComparison.Ordinal));

    public static readonly NormalClient AsciiCli = new("ASCII CLI", async (rig, token) =>
    {
        await using var cli = await CliClient.ConnectAsync(rig.AsciiCli, IPAddress.Loopback);
        var lines = await cli.AsciiAsync("version");
        rig.Replies.Add("ASCII CLI", string.Join('\n', lines));
        Assert.Equal("Command entered successfully!", lines[0]);
    });

    public static readonly NormalClient JsonCli = new("JSON CLI", async (rig, token) =>
    {
        await using var cli = await CliClient.ConnectAsync(rig.JsonCli, IPAddress.Loopback);
        var reply = await cli.JsonAsync("version");
        rig.Replies.Add("JSON CLI", reply.GetRawText());
        Assert.Equal("SUCCESS", reply.Status());
    });

    /// <summary><c>GET /version</c> as EvoStream's scripts send it.</summary>
    public static readonly NormalClient HttpApi = new("HTTP API", async (rig, token) =>
    {
        var (status, reply) = await rig.ApiAsync(HttpMethod.Get, "version", token);
        Assert.Equal((HttpStatusCode.OK, "SUCCESS"), (status, reply.Status()));
    });

    /// <summary>A WebSocket viewer of the sample stream gets its first fMP4 message.</summary>
    public static readonly NormalClient WsFmp4 = new("WS-FMP4", async (rig, token) =>
    {
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://{rig.WsFmp4}/{AdversarialRig.Stream}?key={AdversarialRig.ReadKey}"), token);
        var first = await socket.ReceiveAsync(new byte[64 * 1024], token);
        rig.Replies.Add("WS-FMP4", socket.CloseStatusDescription);
        Assert.Equal(WebSocketMessageType.Binary, first.MessageType);
    });

    /// <summary>A socket.io handshake, websocket and <c>1::</c>.</summary>
    public static readonly NormalClient ErsSignalling = new("ERS signalling", async (rig, token) =>
    {
        await using var client = await SocketIoTestClient.ConnectAsync(rig.Ers.Port);
    });

    public static readonly NormalClient ErsAdmin = new("ERS admin", async (rig, token) =>
    {
        var (status, reply) = await rig.AdminAsync("c=version", token);
        Assert.Equal((HttpStatusCode.OK, "SUCCESS"), (status, reply.GetProperty("status").GetString()));
    });

    /// <summary>A viewer joins through the ers and connects ICE and DTLS over the WebRTC UDP port.</summary>
    public static readonly NormalClient WebRtc = new("WebRTC", async (rig, token) =>
    {
        await using var viewer = rig.NewViewer(ViewerTransport.Srtp);
        await viewer.JoinAsync(token);
    })
    {
        Timeout = TimeSpan.FromSeconds(20),
    };

    /// <summary>A STUN Binding to the ers's STUN/TURN port over UDP, answered with the mapped address.</summary>
    public static readonly NormalClient TurnUdp = new("TURN/UDP", async (rig, token) =>
    {
        using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var binding = new StunBindingClient(rig.Turn, TimeSpan.Zero, TimeSpan.FromSeconds(1));
        for (var attempt = 1; ; attempt++)
        {
            await udp.SendAsync(binding.Request, rig.Turn, token);
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(token);
            wait.CancelAfter(TimeSpan.FromSeconds(1));
            try
            {
                while (true)
                {
                    var answer = await udp.ReceiveAsync(wait.Token);
                    if (binding.TryHandleResponse(answer.Buffer, out var mapped))
                    {
                        Assert.Equal(udp.Client.LocalEndPoint, mapped);
                        return;
                    }
                }
            }
            catch (OperationCanceledException) when (!token.IsCancellationRequested && attempt < 3)
            {
                // a datagram lost: retransmit, as RFC 8489 §6.2.1 does
            }
        }
    });

    /// <summary>A STUN Binding over TCP (RFC 8489 §6.2.2: the message as it is on the stream).</summary>
    public static readonly NormalClient TurnTcp = new("TURN/TCP", async (rig, token) =>
    {
        using var tcp = new TcpClient(new IPEndPoint(IPAddress.Loopback, 0));
        await tcp.ConnectAsync(rig.Turn, token);
        var binding = new StunBindingClient(rig.Turn, TimeSpan.Zero, TimeSpan.FromSeconds(1));
        var stream = tcp.GetStream();
        await stream.WriteAsync(binding.Request, token);
        var header = new byte[20];
        await stream.ReadExactlyAsync(header, token);
        var answer = new byte[20 + ((header[2] << 8) | header[3])];
        header.CopyTo(answer, 0);
        await stream.ReadExactlyAsync(answer.AsMemory(20), token);
        Assert.True(binding.TryHandleResponse(answer, out var mapped));
        Assert.Equal(tcp.Client.LocalEndPoint, mapped);
    });

    public static readonly IReadOnlyList<NormalClient> All =
        [Rtmp, Rtsp, AsciiCli, JsonCli, HttpApi, WsFmp4, ErsSignalling, ErsAdmin, WebRtc, TurnUdp, TurnTcp];

    /// <summary>
    /// Sends one RTSP request on a fresh connection from <paramref name="from"/> (127.0.0.1 by default) and returns the
    /// response head (empty when the server closed without one).
    /// </summary>
    public static async Task<string> RtspAsync(AdversarialRig rig, string request, CancellationToken token, IPAddress? from = null)
    {
        using var tcp = new TcpClient(new IPEndPoint(from ?? IPAddress.Loopback, 0));
        await tcp.ConnectAsync(rig.Rtsp, token);
        var stream = tcp.GetStream();
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(request), token);
        using var reader = new StreamReader(stream);
        var head = new System.Text.StringBuilder();
        while (await reader.ReadLineAsync(token) is { Length: > 0 } line)
            head.Append(line).Append('\n');
        rig.Replies.Add("RTSP", head.ToString());
        return head.ToString();
    }
}
