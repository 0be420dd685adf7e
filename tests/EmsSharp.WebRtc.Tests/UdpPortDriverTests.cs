using System.Net;
using EmsSharp.Protocols.Dtls;
using EmsSharp.Protocols.Ice;
using EmsSharp.Protocols.Sdp;

namespace EmsSharp.WebRtc.Tests;

/// <summary>The shared-port driver on real loopback sockets (port 0): routing by ufrag, then by address.</summary>
public sealed class UdpPortDriverTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Receive_loop_survives_a_fault_per_datagram_and_counts_it(bool batched)
    {
        await using var port = UdpPortDriver.Start(new UdpPortDriverOptions { BindAddress = IPAddress.Loopback, BatchedReceives = batched });
        var seen = 0;
        var allSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        port.BeforeDispatch = _ =>
        {
            var n = Interlocked.Increment(ref seen);
            if (n == 6)
            {
                allSeen.TrySetResult();
            }

            if (n <= 3)
            {
                throw new InvalidOperationException("a bug on datagram " + n);
            }
        };
        using var sender = new System.Net.Sockets.UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        for (var i = 0; i < 6; i++)
        {
            await sender.SendAsync(new byte[] { 0x17, 0xFE, 0xFD }, port.LocalEndPoint);
        }

        await allSeen.Task.WaitAsync(Deadline);
        Assert.Equal(3, port.ReceiveFaults);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Each_datagram_reaches_dispatch_in_order_with_its_own_source(bool batched)
    {
        await using var port = UdpPortDriver.Start(new UdpPortDriverOptions { BindAddress = IPAddress.Loopback, BatchedReceives = batched });
        Assert.Equal(batched ? "recvmmsg" : "recvfrom", port.ReceivePath);
        using var a = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
        using var b = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
        a.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        b.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        const int PerSender = 50; // more than one recvmmsg batch (32), sent before the port reads any
        var seen = new List<IPEndPoint>();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gate = new ManualResetEventSlim();
        port.BeforeDispatch = from =>
        {
            gate.Wait(Deadline); // holds the receive thread, so the rest queue up in the socket
            lock (seen)
            {
                seen.Add(from);
                if (seen.Count == (2 * PerSender) + 1)
                {
                    all.TrySetResult();
                }
            }
        };

        a.SendTo(new byte[] { 0x17, 0xFE, 0xFD, 0 }, port.LocalEndPoint);
        a.SendTo(new byte[4000], port.LocalEndPoint); // longer than any WebRTC datagram: dropped and counted
        for (var i = 0; i < PerSender; i++)
        {
            a.SendTo(new byte[] { 0x17, 0xFE, 0xFD, 1 }, port.LocalEndPoint);
            b.SendTo(new byte[] { 0x17, 0xFE, 0xFD, 2 }, port.LocalEndPoint);
        }

        gate.Set();
        await all.Task.WaitAsync(Deadline);
        Assert.Equal(1, port.ReceiveFaults);
        Assert.Equal(a.LocalEndPoint, seen[0]);
        for (var i = 0; i < PerSender; i++)
        {
            Assert.Equal(a.LocalEndPoint, seen[1 + (2 * i)]);
            Assert.Equal(b.LocalEndPoint, seen[2 + (2 * i)]);
        }
    }

    [Fact]
    public async Task Datagrams_from_an_address_no_session_sent_to_are_dropped_and_counted()
    {
        await using var port = UdpPortDriver.Start(new UdpPortDriverOptions { BindAddress = IPAddress.Loopback });
        var seen = 0;
        var third = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);

        // One thread receives and dispatches in order: when the third arrives, the first two went their way.
        port.BeforeDispatch = _ =>
        {
            if (Interlocked.Increment(ref seen) == 3)
            {
                third.TrySetResult(port.UnroutedDatagrams);
            }
        };
        using var sender = new System.Net.Sockets.UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        for (var i = 0; i < 3; i++)
        {
            await sender.SendAsync(new byte[] { 0x17, 0xFE, 0xFD, 0, 1 }, port.LocalEndPoint); // a DTLS record's start
        }

        Assert.Equal(2, await third.Task.WaitAsync(Deadline));
    }

    [Fact]
    public async Task Two_sessions_on_one_port_each_connect_to_their_own_peer()
    {
        await using var serverPort = UdpPortDriver.Start(new UdpPortDriverOptions { BindAddress = IPAddress.Loopback });
        await using var peerPort0 = UdpPortDriver.Start(new UdpPortDriverOptions { BindAddress = IPAddress.Loopback });
        await using var peerPort1 = UdpPortDriver.Start(new UdpPortDriverOptions { BindAddress = IPAddress.Loopback });
        UdpPortDriver[] peerPorts = [peerPort0, peerPort1];
        var cert = DtlsCertificate.Generate();
        var options = new PeerSessionOptions { Certificate = cert, LoopbackOnly = true };
        Assert.Equal("127.0.0.1", Assert.Single(serverPort.HostCandidates).Address);
        Assert.Equal(serverPort.LocalEndPoint.Port, serverPort.HostCandidates[0].Port);

        var pairs = new List<(PeerSession Server, PeerSession Peer)>();
        for (var i = 0; i < 2; i++)
        {
            var server = serverPort.CreateSession(options);
            var peer = peerPorts[i].CreateSession(options with { Certificate = DtlsCertificate.Generate() });
            var offer = await server.CreateOfferAsync(new WebRtcOfferOptions { DataChannel = true });
            await peer.SetRemoteDescriptionAsync(offer);
            await server.SetRemoteDescriptionAsync(await peer.CreateAnswerAsync());
            pairs.Add((server, peer));
        }

        Assert.Equal(2, serverPort.SessionCount);
        var start = DateTime.UtcNow;
        for (var i = 0; i < pairs.Count; i++)
        {
            var server = pairs[i].Server;
            var connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            void OnState(PeerSession s, PeerSessionState st)
            {
                if (st == PeerSessionState.Connected)
                {
                    connected.TrySetResult();
                }
            }

            server.StateChanged += OnState;
            if (server.State != PeerSessionState.Connected)
            {
                await connected.Task.WaitAsync(Deadline - (DateTime.UtcNow - start));
            }

            Assert.Equal(IceCandidateType.Host, server.SelectedCandidateType);
            Assert.Equal(peerPorts[i].LocalEndPoint, server.RemoteEndPoint);
        }

        Assert.NotEqual(pairs[0].Server.SrtpKeys!.KeyingMaterial, pairs[1].Server.SrtpKeys!.KeyingMaterial);
        await pairs[0].Server.DisposeAsync();
        Assert.Equal(1, serverPort.SessionCount);
    }

    [Fact]
    public async Task An_ice_restart_moves_the_sessions_ufrag_route_and_leaves_no_entry_behind()
    {
        await using var port = UdpPortDriver.Start(new UdpPortDriverOptions { BindAddress = IPAddress.Loopback });
        await using var peerPort = UdpPortDriver.Start(new UdpPortDriverOptions { BindAddress = IPAddress.Loopback });
        var options = new PeerSessionOptions { Certificate = DtlsCertificate.Generate(), LoopbackOnly = true };
        var server = port.CreateSession(options);
        var peer = peerPort.CreateSession(options with { Certificate = DtlsCertificate.Generate() });
        await server.SetRemoteDescriptionAsync(await peer.CreateOfferAsync(new WebRtcOfferOptions { DataChannel = true }));
        await peer.SetRemoteDescriptionAsync(await server.CreateAnswerAsync());
        var first = server.LocalUfrag;

        var fragment = await server.RestartIceAsync("newufrag", "newpasswordnewpassword12", []);
        Assert.NotEqual(first, server.LocalUfrag);
        Assert.Contains("a=ice-ufrag:" + server.LocalUfrag + "\r\n", fragment, StringComparison.Ordinal);
        Assert.Equal(1, server.IceRestarts);
        Assert.Equal("newufrag", server.RemoteIceUfrag);
        Assert.True(port.TryGetSession(server.LocalUfrag, out var routed));
        Assert.Same(server, routed);
        Assert.False(port.TryGetSession(first, out _));
        Assert.Equal(1, port.SessionCount);

        // Only an answering session restarts from the peer's credentials.
        await Assert.ThrowsAsync<InvalidOperationException>(() => peer.RestartIceAsync("x", "yyyyyyyyyyyyyyyyyyyyyy", []));

        var current = server.LocalUfrag;
        await server.DisposeAsync();
        Assert.Equal(0, port.SessionCount);
        Assert.False(port.TryGetSession(current, out _));
        await peer.DisposeAsync();
    }
}
