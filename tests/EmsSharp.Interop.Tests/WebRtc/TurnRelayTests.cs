using System.Net;
using System.Net.Sockets;
using EmsSharp.Protocols.Dtls;
using EmsSharp.Protocols.Ice;
using EmsSharp.Protocols.Sdp;
using EmsSharp.WebRtc;
using Microsoft.Extensions.Logging.Abstractions;

namespace EmsSharp.Interop.Tests.WebRtc;

/// <summary>
/// Our TURN client (<see cref="TurnRelay"/>) against a TURN server we did not write, coturn (over TCP), and against the
/// ers's own (over TCP and TLS): a server whose direct path is dead to its peer serves the session through the relay
/// (ICE, DTLS and media).
/// </summary>
public sealed class TurnRelayTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    public enum Server
    {
        CoturnTcp,
        ErsTcp,
        ErsTls,
    }

    [Theory]
    [InlineData(Server.CoturnTcp)]
    [InlineData(Server.ErsTcp)]
    [InlineData(Server.ErsTls)]
    public async Task A_session_runs_through_a_relay_allocated_over_a_stream(Server server)
    {
        await using var turn = await TurnServerUnderTest.StartAsync(server);
        await using var port = UdpPortDriver.Start(new UdpPortDriverOptions { BindAddress = IPAddress.Loopback });
        using var connect = new CancellationTokenSource(Deadline);
        await using var relay = await TurnRelay.ConnectAsync(turn.Options, port, TimeProvider.System, NullLogger.Instance, connect.Token);
        Assert.Equal(server == Server.ErsTls ? "turn/tls" : "turn/tcp", relay.Kind);
        var relayed = relay.Candidate!;
        Assert.Equal(IceCandidateType.Relayed, relayed.Type);
        Assert.InRange(relayed.Port, turn.MinRelayPort, turn.MaxRelayPort);

        await using var ems = port.CreateSession(new PeerSessionOptions { Certificate = DtlsCertificate.Generate(), LoopbackOnly = true });
        relay.Attach(ems);
        var offer = await ems.CreateOfferAsync(new WebRtcOfferOptions { DataChannel = true });
        Assert.Contains("typ relay", offer, StringComparison.Ordinal);

        // The peer hears only the relay ports: the server's direct packets die on the way, as behind a firewall that
        // lets only TCP out of the server's network.
        using var peerHost = new FilteringUdpHost(from => from.Port >= turn.MinRelayPort && from.Port <= turn.MaxRelayPort);
        await using var peerWorker = new SessionWorker(0, TimeProvider.System, NullLogger.Instance);
        var peer = new PeerSession(peerHost, peerWorker, new PeerSessionOptions { Certificate = DtlsCertificate.Generate() },
            NullLogger.Instance);
        peerHost.Session = peer;
        await using (peer)
        {
            var connected = WhenConnected(ems);
            var peerConnected = WhenConnected(peer);
            await peer.SetRemoteDescriptionAsync(offer);
            var answer = await peer.CreateAnswerAsync();
            await ems.SetRemoteDescriptionAsync(answer);
            ems.AddRemoteCandidate(peerHost.Candidate.ToString());

            try
            {
                await Task.WhenAll(connected, peerConnected).WaitAsync(Deadline);
            }
            catch (TimeoutException)
            {
                Assert.Fail($"ems {ems.State}, peer {peer.State}; server log:\n{turn.Log}");
            }

            Assert.Equal(relay.Kind, ems.SelectedPathKind);
            Assert.Equal(peerHost.LocalEndPoint, ems.RemoteEndPoint);
            Assert.Equal(IceCandidateType.Relayed, peer.SelectedCandidateType);

            var received = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
            peer.RtpOrRtcpReceived += (_, packet) => received.TrySetResult(packet.ToArray());
            var rtp = new byte[1200];
            rtp[0] = 0x80;
            rtp[1] = 96;
            rtp[^1] = 0x5A;
            Assert.True(ems.SendRtpOrRtcp(rtp));
            Assert.Equal(rtp, await received.Task.WaitAsync(Deadline));
        }
    }

    [Fact]
    public async Task Wrong_credentials_fail_with_the_servers_reason()
    {
        using var coturn = await CoturnProcess.StartAsync();
        await using var port = UdpPortDriver.Start(new UdpPortDriverOptions { BindAddress = IPAddress.Loopback });
        var (username, _) = CoturnProcess.Credentials("ems");
        using var connect = new CancellationTokenSource(Deadline);
        var e = await Assert.ThrowsAsync<TurnRelayException>(() => TurnRelay.ConnectAsync(new TurnRelayOptions
        {
            Host = "127.0.0.1",
            Port = coturn.Port,
            Username = username,
            Password = "not-the-password",
        }, port, TimeProvider.System, NullLogger.Instance, connect.Token));
        Assert.Contains("401", e.Message, StringComparison.Ordinal);
    }

    private static Task WhenConnected(PeerSession session)
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

    /// <summary>A peer on its own loopback UDP socket that drops every datagram its filter refuses.</summary>
    private sealed class FilteringUdpHost : IPeerSessionHost, IDisposable
    {
        private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        private readonly Func<IPEndPoint, bool> _accept;
        private readonly CancellationTokenSource _stop = new();

        public FilteringUdpHost(Func<IPEndPoint, bool> accept)
        {
            _accept = accept;
            _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
            Candidate = new IceCandidate("p0", 1, IceCandidate.ComputePriority(IceCandidateType.Host, 65535, 1), "127.0.0.1", LocalEndPoint.Port,
                IceCandidateType.Host);
            _ = Task.Run(ReceiveLoopAsync);
        }

        public PeerSession? Session { get; set; }

        public IPEndPoint LocalEndPoint { get; }

        public IceCandidate Candidate { get; }

        public string Kind => "udp";

        public IReadOnlyList<IceCandidate> HostCandidates => [Candidate];

        public void Send(ReadOnlySpan<byte> datagram, IPEndPoint destination) => _socket.SendTo(datagram, SocketFlags.None, destination);

        public void Route(IPEndPoint remote, PeerSession session)
        {
        }

        public void ChangeUfrag(PeerSession session, string previousUfrag)
        {
        }

        public void Detach(PeerSession session)
        {
        }

        public void Dispose()
        {
            _stop.Cancel();
            _socket.Dispose();
            _stop.Dispose();
        }

        private async Task ReceiveLoopAsync()
        {
            var buffer = new byte[2048];
            try
            {
                while (true)
                {
                    var r = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), _stop.Token);
                    var from = (IPEndPoint)r.RemoteEndPoint;
                    if (_accept(from))
                    {
                        Session?.DeliverDatagram(buffer.AsSpan(0, r.ReceivedBytes), from);
                    }
                }
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                // closed
            }
        }
    }
}
