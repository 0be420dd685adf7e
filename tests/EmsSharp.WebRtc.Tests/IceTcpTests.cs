using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using EmsSharp.Protocols.Dtls;
using EmsSharp.Protocols.Ice;
using EmsSharp.Protocols.Sdp;
using Microsoft.Extensions.Logging.Abstractions;

namespace EmsSharp.WebRtc.Tests;

/// <summary>
/// ICE-TCP (RFC 6544) on the shared port: a peer that can only open TCP connections reaches the server's passive
/// candidate, the connection joins the session its check names, and ICE, DTLS and media run over 2-byte framing.
/// </summary>
public sealed class IceTcpTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_peer_without_udp_connects_over_the_passive_tcp_candidate()
    {
        await using var port = UdpPortDriver.Start(new UdpPortDriverOptions { BindAddress = IPAddress.Loopback, TcpPort = 0 });
        var tcp = Assert.Single(port.HostCandidates, c => c.IsTcp);
        Assert.Equal("passive", tcp.TcpType);
        Assert.Equal(port.TcpEndPoint!.Port, tcp.Port);
        Assert.True(tcp.Priority < Assert.Single(port.HostCandidates, c => !c.IsTcp).Priority, "UDP is preferred where it works");

        await using var server = port.CreateSession(new PeerSessionOptions { Certificate = DtlsCertificate.Generate(), LoopbackOnly = true });
        var offer = await server.CreateOfferAsync(new WebRtcOfferOptions { DataChannel = true });
        Assert.Contains("typ host tcptype passive", offer, StringComparison.Ordinal);

        using var client = new TcpClientHost(port.TcpEndPoint);
        await client.ConnectAsync();
        await using var peerWorker = new SessionWorker(0, TimeProvider.System, NullLogger.Instance);
        var peer = new PeerSession(client, peerWorker, new PeerSessionOptions { Certificate = DtlsCertificate.Generate() },
            NullLogger.Instance);
        client.Session = peer;
        await using (peer)
        {
            var connected = WhenConnected(server);
            var peerConnected = WhenConnected(peer);
            await peer.SetRemoteDescriptionAsync(offer);
            await server.SetRemoteDescriptionAsync(await peer.CreateAnswerAsync());
            // The peer checks the passive candidate through its only path, the TCP connection.
            peer.AddRemoteCandidate(new IceCandidate("t", 1, tcp.Priority, tcp.Address, tcp.Port, IceCandidateType.Host).ToString());

            await Task.WhenAll(connected, peerConnected).WaitAsync(Deadline);
            Assert.Equal("tcp", server.SelectedPathKind);
            Assert.Equal(IceCandidateType.PeerReflexive, server.SelectedCandidateType);
            Assert.Equal(client.LocalEndPoint, server.RemoteEndPoint);
            Assert.Equal(server.SrtpKeys!.KeyingMaterial, peer.SrtpKeys!.KeyingMaterial);

            // Media over the connection: an RTP-shaped datagram arrives whole, in its frame; a batch, one frame each.
            var received = Channel.CreateUnbounded<byte[]>();
            peer.RtpOrRtcpReceived += (_, packet) => received.Writer.TryWrite(packet.ToArray());
            var rtp = new byte[1200];
            rtp[0] = 0x80;
            rtp[1] = 96;
            rtp[^1] = 0x5A;
            Assert.True(server.SendRtpOrRtcp(rtp));
            Assert.Equal(rtp, await received.Reader.ReadAsync().AsTask().WaitAsync(Deadline));
            var batch = new DatagramBatch(3 * rtp.Length, 3);
            for (var i = 0; i < 3; i++)
            {
                rtp[^1] = (byte)i;
                rtp.CopyTo(batch.Free);
                batch.Add(rtp.Length - i);
            }

            Assert.True(server.SendRtpOrRtcpBatch(batch));
            var offset = 0;
            foreach (var length in batch.Lengths.ToArray())
            {
                Assert.Equal(batch.Datagrams.Slice(offset, length).ToArray(), await received.Reader.ReadAsync().AsTask().WaitAsync(Deadline));
                offset += length;
            }
        }
    }

    [Fact]
    public async Task A_connection_whose_first_frame_is_not_a_check_for_a_session_is_closed()
    {
        await using var port = UdpPortDriver.Start(new UdpPortDriverOptions { BindAddress = IPAddress.Loopback, TcpPort = 0 });
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(port.TcpEndPoint!);
        var frame = new byte[2 + 20];
        BinaryPrimitives.WriteUInt16BigEndian(frame, 20);
        frame[2 + 1] = 0x01; // a Binding request with no USERNAME (RFC 8489 §5)
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(2 + 4), 0x2112A442);
        await socket.SendAsync(frame);

        using var cts = new CancellationTokenSource(Deadline);
        Assert.Equal(0, await socket.ReceiveAsync(new byte[16], SocketFlags.None, cts.Token)); // closed by the server
    }

    [Fact]
    public async Task Connections_beyond_the_per_address_cap_are_refused()
    {
        await using var port = UdpPortDriver.Start(new UdpPortDriverOptions
        {
            BindAddress = IPAddress.Loopback,
            TcpPort = 0,
            MaxTcpConnectionsPerAddress = 2,
        });
        var sockets = new List<Socket>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                sockets.Add(s);
                await s.ConnectAsync(port.TcpEndPoint!);
            }

            using var cts = new CancellationTokenSource(Deadline);
            Assert.Equal(0, await sockets[2].ReceiveAsync(new byte[16], SocketFlags.None, cts.Token)); // the third is closed
            sockets[0].Blocking = false;
            Assert.Equal(0, sockets[0].Available); // the first two wait for their first frame
            Assert.True(sockets[0].Connected);
        }
        finally
        {
            foreach (var s in sockets)
            {
                s.Dispose();
            }
        }
    }

    /// <summary>Completes when <paramref name="session"/> reaches <see cref="PeerSessionState.Connected"/>.</summary>
    internal static Task WhenConnected(PeerSession session)
    {
        var connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        session.StateChanged += (_, state) =>
        {
            if (state == PeerSessionState.Connected)
            {
                connected.TrySetResult();
            }
        };
        return connected.Task;
    }

    /// <summary>A peer whose only path is one TCP connection to the server's passive candidate (RFC 4571 framing).</summary>
    private sealed class TcpClientHost(IPEndPoint server) : IPeerSessionHost, IDisposable
    {
        private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        private readonly Lock _sendLock = new();

        public PeerSession? Session { get; set; }

        public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

        public string Kind => "tcp";

        public IReadOnlyList<IceCandidate> HostCandidates => [];

        public async Task ConnectAsync()
        {
            await _socket.ConnectAsync(server);
            _ = Task.Run(ReadLoopAsync);
        }

        public void Send(ReadOnlySpan<byte> datagram, IPEndPoint destination)
        {
            if (!destination.Equals(server))
            {
                return;
            }

            var frame = new byte[datagram.Length + 2];
            BinaryPrimitives.WriteUInt16BigEndian(frame, (ushort)datagram.Length);
            datagram.CopyTo(frame.AsSpan(2));
            lock (_sendLock)
            {
                _socket.Send(frame);
            }
        }

        public void Route(IPEndPoint remote, PeerSession session)
        {
        }

        public void ChangeUfrag(PeerSession session, string previousUfrag)
        {
        }

        public void Detach(PeerSession session)
        {
        }

        public void Dispose() => _socket.Dispose();

        private async Task ReadLoopAsync()
        {
            var header = new byte[2];
            var buffer = new byte[IceTcpConnection.MaxFrame];
            await using var stream = new NetworkStream(_socket, ownsSocket: false);
            try
            {
                while (true)
                {
                    await stream.ReadExactlyAsync(header).ConfigureAwait(false);
                    var length = BinaryPrimitives.ReadUInt16BigEndian(header);
                    await stream.ReadExactlyAsync(buffer.AsMemory(0, length)).ConfigureAwait(false);
                    Session?.DeliverDatagram(buffer.AsSpan(0, length), server);
                }
            }
            catch (Exception e) when (e is IOException or EndOfStreamException or ObjectDisposedException)
            {
                // the connection closed
            }
        }
    }
}
