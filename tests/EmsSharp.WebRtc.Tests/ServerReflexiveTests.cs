using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using EmsSharp.Protocols.Dtls;
using EmsSharp.Protocols.Sdp;

namespace EmsSharp.WebRtc.Tests;

/// <summary>
/// Server-reflexive discovery by the shared port: one Binding request per STUN server however many sessions ask, the
/// answer routed by transaction id to the port, the candidate inline in offers made after it and trickled by sessions
/// that offered before.
/// </summary>
public sealed class ServerReflexiveTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task One_binding_request_serves_every_session_inline_or_trickled()
    {
        using var stunServer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        stunServer.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var server = (IPEndPoint)stunServer.LocalEndPoint!;
        await using var port = UdpPortDriver.Start(new UdpPortDriverOptions { BindAddress = IPAddress.Loopback });
        var certificate = DtlsCertificate.Generate();
        await using var early = port.CreateSession(new PeerSessionOptions { Certificate = certificate });
        var trickled = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        early.LocalCandidate += (_, c) => trickled.TrySetResult(c);
        var earlyOffer = await early.CreateOfferAsync(new WebRtcOfferOptions { Video = true, VideoSsrc = 1 });
        Assert.DoesNotContain("srflx", earlyOffer, StringComparison.Ordinal);

        var first = port.GetServerReflexiveAsync(server);
        var second = port.GetServerReflexiveAsync(server);
        Assert.Same(first, second);

        // Answer like a STUN server behind which the port appears as 203.0.113.5:1234 (RFC 8489 §14.2).
        var buffer = new byte[1500];
        using var cts = new CancellationTokenSource(Deadline);
        var received = await stunServer.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), cts.Token);
        Assert.Equal(port.LocalEndPoint, received.RemoteEndPoint);
        Assert.Equal(0x0001, BinaryPrimitives.ReadUInt16BigEndian(buffer)); // a Binding request (RFC 8489 §5)
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

        var result = await first.WaitAsync(Deadline);
        Assert.True(result.Answered);
        var candidate = result.Candidate;
        Assert.NotNull(candidate);
        var expected = "203.0.113.5 1234 typ srflx raddr 127.0.0.1 rport " + port.LocalEndPoint.Port;
        Assert.Contains(expected, candidate.ToString(), StringComparison.Ordinal);

        // Reused: a later session asks nothing of the STUN server and gets the candidate inline in its offer.
        Assert.Same(first, port.GetServerReflexiveAsync(server));
        await using var late = port.CreateSession(new PeerSessionOptions { Certificate = certificate });
        late.AddLocalCandidate(candidate);
        var lateOffer = await late.CreateOfferAsync(new WebRtcOfferOptions { Video = true, VideoSsrc = 1 });
        Assert.Contains(expected, lateOffer, StringComparison.Ordinal);
        stunServer.Blocking = false;
        Assert.Equal(0, stunServer.Available);

        // The session that offered before the answer trickles it instead.
        early.AddLocalCandidate(candidate);
        Assert.Contains(expected, await trickled.Task.WaitAsync(Deadline), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stun_server_that_sees_a_host_address_adds_nothing()
    {
        using var stunServer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        stunServer.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        await using var port = UdpPortDriver.Start(new UdpPortDriverOptions { BindAddress = IPAddress.Loopback });
        var discovery = port.GetServerReflexiveAsync((IPEndPoint)stunServer.LocalEndPoint!);

        var buffer = new byte[1500];
        using var cts = new CancellationTokenSource(Deadline);
        var received = await stunServer.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), cts.Token);
        var from = (IPEndPoint)received.RemoteEndPoint;
        var response = new byte[32];
        BinaryPrimitives.WriteUInt16BigEndian(response, 0x0101);
        BinaryPrimitives.WriteUInt16BigEndian(response.AsSpan(2), 12);
        buffer.AsSpan(4, 16).CopyTo(response.AsSpan(4));
        BinaryPrimitives.WriteUInt16BigEndian(response.AsSpan(20), 0x0020);
        BinaryPrimitives.WriteUInt16BigEndian(response.AsSpan(22), 8);
        response[25] = 0x01;
        BinaryPrimitives.WriteUInt16BigEndian(response.AsSpan(26), (ushort)(from.Port ^ 0x2112));
        BinaryPrimitives.WriteUInt32BigEndian(response.AsSpan(28), 0x7F000001u ^ 0x2112A442u); // 127.0.0.1: the host address
        await stunServer.SendToAsync(response, SocketFlags.None, from, cts.Token);

        var answer = await discovery.WaitAsync(Deadline);
        Assert.True(answer.Answered);
        Assert.Null(answer.Candidate);
    }
}
