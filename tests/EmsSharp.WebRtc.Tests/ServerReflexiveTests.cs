using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using EmsSharp.Protocols.Dtls;

namespace EmsSharp.WebRtc.Tests;

/// <summary>Server-reflexive discovery through the shared port: the STUN server's response finds its session.</summary>
public sealed class ServerReflexiveTests
{
    [Fact]
    public async Task Stun_server_response_yields_a_trickled_srflx_candidate()
    {
        using var stunServer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        stunServer.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        await using var port = UdpPortDriver.Start(new UdpPortDriverOptions { BindAddress = IPAddress.Loopback });
        await using var session = port.CreateSession(new PeerSessionOptions { Certificate = DtlsCertificate.Generate() });
        var gathered = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        session.LocalCandidate += (_, c) => gathered.TrySetResult(c);

        session.AddStunServer((IPEndPoint)stunServer.LocalEndPoint!);

        // Answer like a STUN server behind which the port appears as 203.0.113.5:1234.
        var buffer = new byte[1500];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var received = await stunServer.ReceiveFromAsync(buffer, SocketFlags.None,
            new IPEndPoint(IPAddress.Any, 0), cts.Token);
        Assert.Equal(port.LocalEndPoint, received.RemoteEndPoint);
        // A Binding request (RFC 8489 §5): type 0x0001, magic cookie at 4..8, transaction id at 8..20.
        Assert.Equal(0x0001, BinaryPrimitives.ReadUInt16BigEndian(buffer));
        var response = new byte[32];
        BinaryPrimitives.WriteUInt16BigEndian(response, 0x0101); // Binding success response
        BinaryPrimitives.WriteUInt16BigEndian(response.AsSpan(2), 12);
        buffer.AsSpan(4, 16).CopyTo(response.AsSpan(4)); // cookie + transaction id
        BinaryPrimitives.WriteUInt16BigEndian(response.AsSpan(20), 0x0020); // XOR-MAPPED-ADDRESS
        BinaryPrimitives.WriteUInt16BigEndian(response.AsSpan(22), 8);
        response[25] = 0x01; // IPv4
        BinaryPrimitives.WriteUInt16BigEndian(response.AsSpan(26), 1234 ^ 0x2112);
        BinaryPrimitives.WriteUInt32BigEndian(response.AsSpan(28), 0xCB007105u ^ 0x2112A442u); // 203.0.113.5
        await stunServer.SendToAsync(response, SocketFlags.None, received.RemoteEndPoint, cts.Token);

        var candidate = await gathered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.StartsWith("candidate:", candidate, StringComparison.Ordinal);
        Assert.Contains("203.0.113.5 1234 typ srflx raddr 127.0.0.1 rport " + port.LocalEndPoint.Port, candidate,
            StringComparison.Ordinal);
    }
}
