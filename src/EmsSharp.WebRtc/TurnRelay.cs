using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using EmsSharp.Protocols.Ice;
using EmsSharp.Protocols.Turn;
using Microsoft.Extensions.Logging;

namespace EmsSharp.WebRtc;

/// <summary>
/// A UDP relay allocated on a TURN server over TCP or TLS (RFC 8656, RFC 6062 is not needed: the relay side is UDP), so
/// a server whose network lets only outbound TCP out still serves browsers. Like the UDP port it is shared: every
/// session it is attached to offers its relayed candidate and gets it as a local base; what arrives is routed by STUN
/// USERNAME on first contact and then by peer address. Sends never block: frames queue (bounded) for a writer task.
/// </summary>
public sealed partial class TurnRelay : IAsyncDisposable
{
    private const int MaxQueuedFrames = 2048;

    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly TurnClient _client;
    private readonly UdpPortDriver _port;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly long _origin;
    private readonly Lock _gate = new();
    private readonly ITimer _timer;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<PeerSession, int> _bases = new();
    private readonly ConcurrentDictionary<IPEndPoint, PeerSession> _byPeer = new();
    private readonly TaskCompletionSource<string?> _allocated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly FrameOutbox _outbox;

    private Task _reader = Task.CompletedTask;

    private TurnRelay(Socket socket, Stream stream, TurnRelayOptions options, UdpPortDriver port, TimeProvider time, ILogger logger)
    {
        _socket = socket;
        _stream = stream;
        _port = port;
        _time = time;
        _logger = logger;
        _origin = time.GetTimestamp();
        _client = new TurnClient(options.Username, options.Password);
        Kind = options.Tls ? "turn/tls" : "turn/tcp";
        _timer = time.CreateTimer(static s => ((TurnRelay)s!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _outbox = new FrameOutbox(MaxQueuedFrames, frame => stream.WriteAsync(frame));
    }

    /// <summary>What the path is: <c>turn/tcp</c> or <c>turn/tls</c>.</summary>
    public string Kind { get; }

    /// <summary>The relayed candidate every attached session offers (RFC 8445 §5.1.2.1: type preference 0).</summary>
    public IceCandidate? Candidate { get; private set; }

    /// <summary>Why the relay ended, once it did; null while it lives.</summary>
    public string? FailureReason { get; private set; }

    /// <summary>True while the allocation lives.</summary>
    public bool IsAlive => FailureReason is null && _client.State == TurnClientState.Allocated;

    /// <summary>
    /// Connects to the TURN server, allocates a UDP relay and returns once it exists.
    /// </summary>
    /// <exception cref="TurnRelayException">The server could not be reached or refused the allocation (the message says why).</exception>
    public static async Task<TurnRelay> ConnectAsync(TurnRelayOptions options, UdpPortDriver port, TimeProvider time, ILogger logger,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Stream stream;
        try
        {
            await socket.ConnectAsync(options.Host, options.Port, cancellationToken).ConfigureAwait(false);
            stream = new NetworkStream(socket, ownsSocket: false);
            if (options.Tls)
            {
                var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                {
                    TargetHost = options.Host,
                    RemoteCertificateValidationCallback = options.AllowUntrustedCertificate ? static (_, _, _, _) => true : null,
                }, cancellationToken).ConfigureAwait(false);
                stream = tls;
            }
        }
        catch (Exception e) when (e is SocketException or IOException or System.Security.Authentication.AuthenticationException)
        {
            socket.Dispose();
            throw new TurnRelayException($"the TURN server {options.Host}:{options.Port} ({(options.Tls ? "TLS" : "TCP")}) is not reachable: {e.Message}", e);
        }

        var relay = new TurnRelay(socket, stream, options, port, time, logger);
        relay._reader = Task.Run(relay.ReadLoopAsync);
        lock (relay._gate)
        {
            relay._client.Start(relay.Now);
            relay.Flush();
        }

        string? failure;
        try
        {
            failure = await relay._allocated.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await relay.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        if (failure is not null)
        {
            await relay.DisposeAsync().ConfigureAwait(false);
            throw new TurnRelayException(failure);
        }

        LogAllocated(logger, options.Host, options.Port, relay.Kind, relay._client.RelayedAddress!);
        return relay;
    }

    /// <summary>Makes the relay a base of <paramref name="session"/> and offers its candidate there (inline before the offer, else trickled).</summary>
    public void Attach(PeerSession session)
    {
        var candidate = Candidate;
        if (candidate is null || !IsAlive || _bases.ContainsKey(session))
        {
            return;
        }

        var id = session.AddPath(new SessionPath(this, session), candidate, candidate.Priority, pairsWithSignalled: true);
        _bases[session] = id;
        session.StateChanged += OnSessionState;
    }

    /// <summary>Deletes the allocation (Refresh 0) and closes the connection; attached sessions lose this base.</summary>
    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_client.State == TurnClientState.Allocated)
            {
                _client.Close(Now);
                Flush();
            }
        }

        End("the relay was closed");
        _outbox.Complete();
        await _outbox.Completion.ConfigureAwait(false); // the Refresh 0 leaves before the socket closes
        await _stop.CancelAsync().ConfigureAwait(false);
        _stream.Dispose();
        _socket.Dispose();
        await _reader.ConfigureAwait(false);
        await _timer.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private TimeSpan Now => _time.GetElapsedTime(_origin);

    private void SendFrom(PeerSession session, ReadOnlySpan<byte> datagram, IPEndPoint destination)
    {
        // Datagrams from this peer belong to this session from now on (as the UDP port's Route).
        _byPeer[destination] = session;
        lock (_gate)
        {
            _client.Send(destination, datagram, Now);
            Flush();
        }
    }

    /// <summary>Queues the client's messages for the writer and re-arms the timer. Called under the gate.</summary>
    private void Flush()
    {
        while (_client.TryPollTransmit(out var message))
        {
            _outbox.TryEnqueue([], message);
        }

        List<TurnClientEvent>? events = null;
        while (_client.TryPollEvent(out var e))
        {
            (events ??= []).Add(e);
        }

        foreach (var e in events ?? [])
        {
            switch (e.Kind)
            {
                case TurnClientEventKind.Allocated:
                    var mapped = _client.MappedAddress;
                    Candidate = new IceCandidate("r0", 1, IceCandidate.ComputePriority(IceCandidateType.Relayed, 65535, 1),
                        e.Peer!.Address.ToString(), e.Peer.Port, IceCandidateType.Relayed, mapped?.Address.ToString() ?? "0.0.0.0",
                        mapped?.Port ?? 0);
                    _allocated.TrySetResult(null);
                    break;
                case TurnClientEventKind.Data:
                    Deliver(e.Peer!, e.Data!);
                    break;
                case TurnClientEventKind.Failed:
                    _allocated.TrySetResult(e.Reason);
                    End(e.Reason!);
                    break;
                default:
                    throw new InvalidOperationException("Unknown TURN client event.");
            }
        }

        var next = _client.NextTimeout;
        if (next is { } due && FailureReason is null)
        {
            var wait = due - Now;
            _timer.Change(wait < TimeSpan.Zero ? TimeSpan.Zero : wait, Timeout.InfiniteTimeSpan);
        }
    }

    private void Deliver(IPEndPoint peer, byte[] data)
    {
        // A check names its session (RFC 8445 §7.2.2): the only key on first contact, as on the UDP port.
        if (PacketDemux.Classify(data) == PacketKind.Stun && IceAgent.TryGetRequestUfrag(data, out var ufrag))
        {
            if (_port.TryGetSession(ufrag, out var named) && _bases.TryGetValue(named, out var namedBase))
            {
                _byPeer[peer] = named;
                named.DeliverDatagram(data, peer, namedBase);
            }

            return;
        }

        if (_byPeer.TryGetValue(peer, out var session) && _bases.TryGetValue(session, out var id))
        {
            session.DeliverDatagram(data, peer, id);
        }
    }

    private void OnTimer()
    {
        lock (_gate)
        {
            _client.HandleTimeout(Now);
            Flush();
        }
    }

    private void OnSessionState(PeerSession session, PeerSessionState state)
    {
        if (state != PeerSessionState.Closed)
        {
            return;
        }

        _bases.TryRemove(session, out _);
        foreach (var kv in _byPeer)
        {
            if (ReferenceEquals(kv.Value, session))
            {
                _byPeer.TryRemove(kv);
            }
        }
    }

    /// <summary>The relay is gone: every attached session loses the base (and fails over if it was selected).</summary>
    private void End(string reason)
    {
        if (FailureReason is not null)
        {
            return;
        }

        FailureReason = reason;
        if (_client.State != TurnClientState.Closed)
        {
            LogEnded(_logger, reason);
        }

        foreach (var (session, id) in _bases)
        {
            session.RemovePath(id);
        }

        _bases.Clear();
    }

    private async Task ReadLoopAsync()
    {
        var buffer = new byte[TurnStreamFraming.MaxFrameLength * 2];
        var filled = 0;
        try
        {
            while (true)
            {
                var n = await _stream.ReadAsync(buffer.AsMemory(filled), _stop.Token).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                filled += n;
                var offset = 0;
                while (true)
                {
                    var status = TurnStreamFraming.TryGetFrameLength(buffer.AsSpan(offset, filled - offset), out var length);
                    if (status == TurnFrameStatus.Invalid)
                    {
                        lock (_gate)
                        {
                            End("the TURN server sent a malformed frame");
                        }

                        return;
                    }

                    if (status == TurnFrameStatus.NeedMore || filled - offset < length)
                    {
                        break;
                    }

                    lock (_gate)
                    {
                        _client.HandleInbound(buffer.AsSpan(offset, length), Now);
                        Flush();
                    }

                    offset += length;
                }

                buffer.AsSpan(offset, filled - offset).CopyTo(buffer);
                filled -= offset;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // closed
        }

        lock (_gate)
        {
            _allocated.TrySetResult("the TURN server closed the connection");
            End("the TURN server closed the connection");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "TURN relay allocated on {Host}:{Port} over {Kind}: relayed address {Relayed}")]
    private static partial void LogAllocated(ILogger logger, string host, int port, string kind, IPEndPoint relayed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "TURN relay ended: {Reason}")]
    private static partial void LogEnded(ILogger logger, string reason);

    /// <summary>The relay as one session's path: sending through it also routes the peer's answers to that session.</summary>
    private sealed class SessionPath(TurnRelay relay, PeerSession session) : IPacketPath
    {
        public string Kind => relay.Kind;

        public void Send(ReadOnlySpan<byte> datagram, IPEndPoint destination) => relay.SendFrom(session, datagram, destination);
    }
}
