using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using EmsSharp.Protocols.Ice;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EmsSharp.WebRtc;

/// <summary>
/// Owns the one UDP socket shared by every <see cref="PeerSession"/>: routes datagrams to sessions by STUN USERNAME
/// (first contact) and then by remote address, sends on their behalf, and discovers the socket's server-reflexive
/// address for all of them.
/// </summary>
public sealed partial class UdpPortDriver : IPeerSessionHost, IAsyncDisposable
{
    private const int MaxDatagram = 2048;

    // Source endpoints the receive thread keeps, so a datagram from a known peer allocates none; cleared when full, so
    // datagrams from many addresses (spoofed or not) cannot grow it.
    private const int MaxCachedEndpoints = 4096;

    // No WebRTC datagram is that long (browsers keep to about 1,200 bytes): such a datagram is dropped, as a fault.
    private const string Oversized = "a datagram longer than 2048 bytes was dropped";

    private readonly Socket _socket;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, PeerSession> _byUfrag = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<IPEndPoint, PeerSession> _byAddress = new();

    // The serialized form of each destination, keyed by the endpoint instance (a session keeps one per selected pair):
    // SendTo(IPEndPoint) would serialize a new SocketAddress on every packet.
    private readonly ConditionalWeakTable<IPEndPoint, SocketAddress> _socketAddresses = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _receiveThread;
    private readonly List<IceCandidate> _hostCandidates;
    private readonly LinuxUdpBatchSender? _batchSender;
    private readonly LinuxUdpBatchReceiver? _batchReceiver;
    private readonly Dictionary<ulong, IPEndPoint> _endpoints = [];
    private readonly SessionWorkerPool _workers;
    private long _receiveFaults;
    private long _lastFaultLogged;

    private UdpPortDriver(UdpPortDriverOptions options, TimeProvider time, ILoggerFactory loggerFactory)
    {
        _time = time;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<UdpPortDriver>();
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        _socket.Bind(new IPEndPoint(options.BindAddress, options.Port));
        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        _hostCandidates = HostCandidateEnumerator.Enumerate(options, LocalEndPoint.Port);
        _batchSender = LinuxUdpBatchSender.TryCreate(_socket, options.BatchedSends, _logger);
        _batchReceiver = LinuxUdpBatchReceiver.TryCreate(_socket, options.BatchedReceives, MaxDatagram, _logger);
        try
        {
            StartTcp(options);
        }
        catch
        {
            _batchReceiver?.Dispose();
            _socket.Dispose();
            throw;
        }

        _workers = new SessionWorkerPool(options.Workers, time, loggerFactory.CreateLogger<SessionWorker>(),
            _batchSender is null ? null : () => CreateDeferredSends()!);
        StartMetrics();
        _receiveThread = new Thread(ReceiveLoop) { IsBackground = true, Name = "udp-receive" };
        _receiveThread.Start();
    }

    /// <summary>The bound address and port.</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>Host candidates of the port (UDP, and passive TCP when ICE-TCP is on), offered by every session.</summary>
    public IReadOnlyList<IceCandidate> HostCandidates => _hostCandidates;

    /// <summary>
    /// How <see cref="SendBatch"/> sends, for logs: <c>sendmmsg+gso</c>, <c>sendmmsg</c>, or <c>sendto</c> (one call per
    /// datagram). GSO turns off for good if the kernel refuses it (see <see cref="UdpPortDriverOptions.BatchedSends"/>).
    /// </summary>
    public string BatchedSendPath => _batchSender is null ? "sendto" : _batchSender.Gso ? "sendmmsg+gso" : "sendmmsg";

    /// <summary>How datagrams are received, for logs: <c>recvmmsg</c> (many per call) or <c>recvfrom</c> (one per call).</summary>
    public string ReceivePath => _batchReceiver is null ? "recvfrom" : "recvmmsg";

    /// <summary>System calls made by batched sends (<c>sendmmsg</c>); 0 on the one-call-per-datagram path.</summary>
    internal long BatchSendCalls => _batchSender?.Calls ?? 0;

    /// <summary>Number of live sessions.</summary>
    public int SessionCount => _byUfrag.Count;

    /// <summary>Binds the port and starts receiving.</summary>
    public static UdpPortDriver Start(UdpPortDriverOptions options, TimeProvider? time = null,
        ILoggerFactory? loggerFactory = null) =>
        new(options, time ?? TimeProvider.System, loggerFactory ?? NullLoggerFactory.Instance);

    /// <summary>The live session whose local ufrag is <paramref name="ufrag"/> (a check names it, RFC 8445 §7.2.2).</summary>
    internal bool TryGetSession(string ufrag, out PeerSession session) => _byUfrag.TryGetValue(ufrag, out session!);

    /// <summary>Creates a session on this port. Dispose it (or let the peer close it) to free its routes.</summary>
    public PeerSession CreateSession(PeerSessionOptions options)
    {
        var session = new PeerSession(this, _workers.Next(), options, _loggerFactory.CreateLogger<PeerSession>());
        _byUfrag[session.LocalUfrag] = session;
        return session;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _socket.Dispose(); // unblocks the receive thread's call (.NET shuts the socket down under it)
        _receiveThread.Join();
        _batchReceiver?.Dispose();

        await StopTcpAsync().ConfigureAwait(false);
        foreach (var s in _byUfrag.Values)
        {
            await s.DisposeAsync().ConfigureAwait(false);
        }

        await _workers.DisposeAsync().ConfigureAwait(false);
        _meter?.Dispose();

        _stop.Dispose();
    }

    /// <inheritdoc/>
    public string Kind => "udp";

    /// <inheritdoc/>
    public void Send(ReadOnlySpan<byte> datagram, IPEndPoint destination)
    {
        if (DeferredUdpSends.Current is { } deferred && deferred.Port == this
            && deferred.TryAdd(datagram, [datagram.Length], Serialized(destination), destination))
        {
            Interlocked.Increment(ref _batchedDatagrams);
            return;
        }

        try
        {
            Interlocked.Increment(ref _sendtoCalls);
            _socket.SendTo(datagram, SocketFlags.None, Serialized(destination));
        }
        catch (SocketException e)
        {
            LogSendFailed(_logger, destination, e.SocketErrorCode);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <inheritdoc/>
    public void SendBatch(ReadOnlySpan<byte> datagrams, ReadOnlySpan<int> lengths, IPEndPoint destination)
    {
        if (_batchSender is null)
        {
            IPacketPath.SendEach(this, datagrams, lengths, destination);
            return;
        }

        Interlocked.Add(ref _batchedDatagrams, lengths.Length);
        var address = Serialized(destination);
        if (DeferredUdpSends.Current is { } deferred && deferred.Port == this && deferred.TryAdd(datagrams, lengths, address, destination))
        {
            return;
        }

        try
        {
            _batchSender.Send(datagrams, lengths, address, destination);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>A holder of one worker's sends on this port (<see cref="DeferredUdpSends"/>); null without <c>sendmmsg</c>.</summary>
    internal DeferredUdpSends? CreateDeferredSends() => _batchSender is { } sender ? new DeferredUdpSends(this, sender) : null;

    private SocketAddress Serialized(IPEndPoint destination) => _socketAddresses.GetValue(destination, static d => d.Serialize());

    void IPeerSessionHost.Route(IPEndPoint remote, PeerSession session) => _byAddress[remote] = session;

    void IPeerSessionHost.ChangeUfrag(PeerSession session, string previousUfrag)
    {
        _byUfrag[session.LocalUfrag] = session;
        _byUfrag.TryRemove(new KeyValuePair<string, PeerSession>(previousUfrag, session));
    }

    void IPeerSessionHost.Detach(PeerSession session)
    {
        _byUfrag.TryRemove(new KeyValuePair<string, PeerSession>(session.LocalUfrag, session));
        foreach (var kv in _byAddress)
        {
            if (ReferenceEquals(kv.Value, session))
            {
                _byAddress.TryRemove(kv);
            }
        }

        DetachTcp(session);
    }

    /// <summary>
    /// Datagrams other than connectivity checks from an address no session has sent to (dropped): a peer's DTLS or media
    /// from an address ICE never used, or a stray sender.
    /// </summary>
    public long UnroutedDatagrams => Interlocked.Read(ref _unroutedDatagrams);

    /// <summary>Datagrams whose receive or dispatch threw unexpectedly (the loop goes on).</summary>
    internal long ReceiveFaults => Interlocked.Read(ref _receiveFaults);

    /// <summary>Test hook: runs before each datagram is dispatched, to exercise the loop's fault isolation.</summary>
    internal Action<IPEndPoint>? BeforeDispatch { get; set; }

    // One thread blocks in a synchronous receive, so the socket never joins .NET's epoll engine. Registered there (as any
    // async receive registers it) it is watched for EPOLLOUT too, edge-triggered, and each datagram the port sends wakes
    // the engine's thread when the kernel frees it (sock_wfree -> sock_def_write_space -> ep_poll_callback): a context
    // switch per sent datagram, about a sixth of the ems's CPU at 250 viewers. A thread asleep in recvfrom is woken by
    // readable data only (receiver_wake_function), and sends never wait on this socket (MSG_DONTWAIT, poll).
    private void ReceiveLoop()
    {
        if (_batchReceiver is { } batches)
        {
            ReceiveBatches(batches);
            return;
        }

        var buffer = new byte[MaxDatagram + 1]; // one byte more, to tell a datagram that fits from one cut short
        var address = new SocketAddress(AddressFamily.InterNetwork);
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var received = _socket.ReceiveFrom(buffer, SocketFlags.None, address);
                if (received > MaxDatagram)
                {
                    throw new IOException(Oversized);
                }

                Receive(buffer.AsSpan(0, received), address.Buffer.Span[..address.Size]);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
            {
                // ICMP port unreachable from an earlier send.
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // One bad datagram or session must not end receiving for every session on the port.
            catch (Exception e)
#pragma warning restore CA1031
            {
                OnReceiveFault(e);
            }
        }
    }

    // The same with recvmmsg: every datagram queued, up to a batch, per call. A batch's datagrams are dispatched in
    // order, so those for one session are posted to its worker back to back and wake it once.
    private void ReceiveBatches(LinuxUdpBatchReceiver receiver)
    {
        while (!_stop.IsCancellationRequested)
        {
            int count;
            try
            {
                count = receiver.Receive();
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // As above: an error of one call must not end receiving.
            catch (Exception e)
#pragma warning restore CA1031
            {
                OnReceiveFault(e);
                continue;
            }

            for (var i = 0; i < count && !_stop.IsCancellationRequested; i++)
            {
                try
                {
                    if (!receiver.TryGet(i, out var datagram, out var source))
                    {
                        throw new IOException(Oversized);
                    }

                    Receive(datagram, source);
                }
#pragma warning disable CA1031 // One bad datagram or session must not end receiving for every session on the port.
                catch (Exception e)
#pragma warning restore CA1031
                {
                    OnReceiveFault(e);
                }
            }
        }
    }

    // A datagram from the sockaddr_in `source` (receive thread only).
    private void Receive(ReadOnlySpan<byte> datagram, ReadOnlySpan<byte> source)
    {
        var from = EndpointOf(source);
        BeforeDispatch?.Invoke(from);
        Dispatch(datagram, from);
    }

    // The endpoint of a struct sockaddr_in (<netinet/in.h>: family, then the port and the address in network order), one
    // instance per address while it stays cached (receive thread only).
    private IPEndPoint EndpointOf(ReadOnlySpan<byte> sockaddrIn)
    {
        var port = BinaryPrimitives.ReadUInt16BigEndian(sockaddrIn[2..]);
        var address = MemoryMarshal.Read<uint>(sockaddrIn[4..]); // IPAddress(long) takes the octets as they lie in memory
        var key = ((ulong)address << 16) | port;
        if (!_endpoints.TryGetValue(key, out var endpoint))
        {
            if (_endpoints.Count >= MaxCachedEndpoints)
            {
                _endpoints.Clear();
            }

            endpoint = new IPEndPoint(new IPAddress(address), port);
            _endpoints.Add(key, endpoint);
        }

        return endpoint;
    }

    private void OnReceiveFault(Exception e)
    {
        var faults = Interlocked.Increment(ref _receiveFaults);
        var now = _time.GetTimestamp();
        if (_lastFaultLogged == 0 || _time.GetElapsedTime(_lastFaultLogged, now) >= TimeSpan.FromSeconds(1))
        {
            _lastFaultLogged = now;
            LogReceiveFault(_logger, faults, e);
        }
    }

    private void Dispatch(ReadOnlySpan<byte> datagram, IPEndPoint from)
    {
        var isStun = PacketDemux.Classify(datagram) == PacketKind.Stun;
        // A connectivity check names our ufrag (RFC 8445 §7.2.2): the surest key, and the only one on first contact.
        if (isStun && IceAgent.TryGetRequestUfrag(datagram, out var ufrag))
        {
            if (_byUfrag.TryGetValue(ufrag, out var target))
            {
                target.DeliverDatagram(datagram, from);
            }

            return;
        }

        if (isStun && TryCompleteBinding(datagram, from))
        {
            return;
        }

        if (_byAddress.TryGetValue(from, out var session))
        {
            session.DeliverDatagram(datagram, from);
        }
        else
        {
            Interlocked.Increment(ref _unroutedDatagrams);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "UDP receive loop caught a fault ({Faults} so far; logged at most once a second); it goes on")]
    private static partial void LogReceiveFault(ILogger logger, long faults, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Send to {Destination} failed: {Error}")]
    private static partial void LogSendFailed(ILogger logger, IPEndPoint destination, SocketError error);
}
