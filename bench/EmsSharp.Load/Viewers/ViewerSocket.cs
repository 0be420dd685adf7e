using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using EmsSharp.Protocols.Ice;
using EmsSharp.WebRtc;

namespace EmsSharp.Load.Viewers;

/// <summary>
/// One viewer's own UDP socket (its own 5-tuple towards the server) as the base 0 of its <see cref="PeerSession"/>,
/// read not by a loop of its own but by one of the <see cref="ViewerReceivePool"/>'s threads: RTP and RTCP (RFC 7983
/// first byte 128-191) go straight to <see cref="RtpReceived"/> on that thread, everything else (STUN, DTLS) to the
/// session's worker as a <see cref="UdpPortDriver"/> would hand it. One session per socket, so routes need no table.
/// Created, read and closed by the pool only.
/// </summary>
internal sealed class ViewerSocket : IPeerSessionHost
{
    private readonly ConditionalWeakTable<IPEndPoint, SocketAddress> _addresses = new();
    private readonly List<IceCandidate> _candidates;
    private PeerSession? _session;
    private IPEndPoint? _lastFrom;
    private ulong _lastFromKey;

    /// <param name="options">Where to bind (port 0) and which host candidates to offer.</param>
    /// <param name="receiveBufferBytes">SO_RCVBUF (the kernel doubles it and caps it at net.core.rmem_max); 0 keeps the default.</param>
    /// <param name="udpGro">Take the server's GSO datagrams whole (<see cref="LinuxReceiveCalls.UdpGro"/>); the reader splits them.</param>
    public ViewerSocket(UdpPortDriverOptions options, int receiveBufferBytes, bool udpGro)
    {
        Socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (receiveBufferBytes > 0)
            {
                Socket.ReceiveBufferSize = receiveBufferBytes;
            }

            // The arrival time in the socket, so the transit does not include how long the datagram waited for the tool.
            Span<byte> on = [1, 0, 0, 0];
            Socket.SetRawSocketOption(LinuxReceiveCalls.SolSocket, LinuxReceiveCalls.SoTimestampNs, on);
            if (udpGro)
            {
                Socket.SetRawSocketOption(LinuxReceiveCalls.SolUdp, LinuxReceiveCalls.UdpGro, on);
            }

            Socket.Bind(new IPEndPoint(options.BindAddress, 0));
            LocalEndPoint = (IPEndPoint)Socket.LocalEndPoint!;
            _candidates = HostCandidateEnumerator.Enumerate(options, LocalEndPoint.Port);
        }
        catch
        {
            Socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Called on the receive thread with each RTP or RTCP datagram and the <see cref="System.Diagnostics.Stopwatch"/>
    /// timestamp of its arrival in the socket (the kernel's <c>SO_TIMESTAMPNS</c>), not of its read.
    /// </summary>
    public delegate void RtpHandler(ReadOnlySpan<byte> datagram, long receivedAt);

    public Socket Socket { get; }

    public IPEndPoint LocalEndPoint { get; }

    /// <summary>Where RTP and RTCP go; null drops them.</summary>
    public RtpHandler? RtpReceived { get; set; }

    public string Kind => "udp";

    public IReadOnlyList<IceCandidate> HostCandidates => _candidates;

    /// <summary>The session this socket carries: what is neither RTP nor RTCP goes to its loop.</summary>
    public void Attach(PeerSession session) => Volatile.Write(ref _session, session);

    public void Send(ReadOnlySpan<byte> datagram, IPEndPoint destination)
    {
        try
        {
            Socket.SendTo(datagram, SocketFlags.None, _addresses.GetValue(destination, static d => d.Serialize()));
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // A viewer's send failing is its loss to count, not the run's end (the server's port does the same).
        }
    }

    void IPeerSessionHost.Route(IPEndPoint remote, PeerSession session)
    {
    }

    // One session per socket: nothing is routed by ufrag.
    void IPeerSessionHost.ChangeUfrag(PeerSession session, string previousUfrag)
    {
    }

    void IPeerSessionHost.Detach(PeerSession session) => Interlocked.CompareExchange(ref _session, null, session);

    /// <summary>
    /// One datagram read by the pool: <paramref name="sockaddr"/> is the sender's <c>struct sockaddr_in</c> as
    /// <c>recvmmsg</c> filled it, <paramref name="receivedAt"/> its arrival. Runs on the socket's one receive thread.
    /// </summary>
    public void Deliver(ReadOnlySpan<byte> datagram, ReadOnlySpan<byte> sockaddr, long receivedAt)
    {
        if (PacketDemux.Classify(datagram) == PacketKind.RtpOrRtcp)
        {
            RtpReceived?.Invoke(datagram, receivedAt);
        }
        else if (Volatile.Read(ref _session) is { } session && From(sockaddr) is { } from)
        {
            session.DeliverDatagram(datagram, from);
        }
    }

    // sockaddr_in: family (host order), port (network order), IPv4 address; the one sender is remembered so that
    // consent checks and DTLS records do not make an endpoint each.
    private IPEndPoint? From(ReadOnlySpan<byte> sockaddr)
    {
        if (sockaddr.Length < 8 || BinaryPrimitives.ReadUInt16LittleEndian(sockaddr) != (ushort)AddressFamily.InterNetwork)
        {
            return null;
        }

        ulong key = BinaryPrimitives.ReadUInt64LittleEndian(sockaddr);
        if (_lastFrom is null || key != _lastFromKey)
        {
            _lastFrom = new IPEndPoint(new IPAddress(sockaddr.Slice(4, 4)), BinaryPrimitives.ReadUInt16BigEndian(sockaddr[2..]));
            _lastFromKey = key;
        }

        return _lastFrom;
    }
}
