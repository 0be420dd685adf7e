using System.Diagnostics;
using System.Net;
using EmsSharp.Protocols.Dtls;
using EmsSharp.WebRtc;
using Microsoft.Extensions.Logging.Abstractions;

namespace EmsSharp.Load.Viewers;

/// <summary>
/// One simulated browser: its own UDP port (the server sends every viewer's media from one address:port, so
/// viewers cannot share a port), one <see cref="PeerSession"/> that answers the server's offer (full
/// ICE, DTLS in the role the offer's <c>a=setup</c> leaves it), and the receive side of its transport:
/// SRTP accounting (<c>SimulatedViewer.Srtp.cs</c>) or fMP4 over data channels (<c>SimulatedViewer.Fmp4.cs</c>).
/// With a <see cref="ReceivePool"/> its port is a <see cref="ViewerSocket"/> read by the pool's shared threads (RTP
/// accounted on that thread, the rest handed to the session's worker); without one, its own <see cref="UdpPortDriver"/>.
/// With <see cref="RelayOnly"/> it is a viewer whose UDP is blocked: its own TURN allocation over TCP on the server
/// the signalling hands out, ICE transport policy "relay", and a failure unless the selected path is that relay.
/// Everything after the join runs on the session's worker (RTP on the receive thread); counters are read from any thread.
/// </summary>
internal sealed partial class SimulatedViewer : IAsyncDisposable
{
    private readonly IViewerSignalling _signalling;
    private readonly ViewerTransport _transport;
    private readonly string _stream;
    private readonly DtlsCertificate _certificate;
    private readonly bool _hostCandidates;
    private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _firstKeyframe = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private UdpPortDriver? _driver;
    private ViewerSocket? _socket;
    private PeerSession? _session;
    private TurnRelay? _relay;
    private long _joinStart;
    private long _packets;
    private long _packetsAwaited;
    private TaskCompletionSource? _packetsReached;
    private long _bytes;
    private double _joinMs = double.NaN;
    private double _firstKeyframeMs = double.NaN;
    private string? _failure;

    /// <param name="signalling">This viewer's signalling (ers, Janus).</param>
    /// <param name="transport">srtp or fmp4.</param>
    /// <param name="stream">The stream fmp4 asks for.</param>
    /// <param name="certificate">The DTLS identity (one per run).</param>
    /// <param name="hostCandidates">
    /// Use this host's addresses, not only loopback (a server whose ICE never gathers loopback, as Janus's);
    /// candidates of other machines are still dropped.
    /// </param>
    public SimulatedViewer(IViewerSignalling signalling, ViewerTransport transport, string stream, DtlsCertificate certificate,
        bool hostCandidates = false)
    {
        _hostCandidates = hostCandidates;
        _signalling = signalling;
        _transport = transport;
        _stream = stream;
        _certificate = certificate;
    }

    /// <summary>
    /// Relay only: allocate a TURN relay over TCP (<see cref="IViewerSignalling.GetTcpTurnServerAsync"/>), use no other
    /// path (<see cref="PeerSessionOptions.RelayOnly"/>), and fail unless the session selected it.
    /// </summary>
    public bool RelayOnly { get; init; }

    /// <summary>
    /// The run's shared receive threads; null (or <see cref="RelayOnly"/>, whose media comes over the relay's TCP) for a
    /// port driver of the viewer's own.
    /// </summary>
    public ViewerReceivePool? ReceivePool { get; init; }

    /// <summary>The viewer's session once it started joining (null before), for a test that drives it further.</summary>
    public PeerSession? Session => _session;

    /// <summary>The viewer's own UDP port driver once it started joining (null before, or on a <see cref="ReceivePool"/>), for a test that sends from its address.</summary>
    public UdpPortDriver? Driver => _driver;

    /// <summary>The selected path's kind once connected (<c>udp</c>, <c>turn/tcp</c>...).</summary>
    public string? PathKind => _session?.SelectedPathKind;

    /// <summary>ICE and DTLS completed.</summary>
    public bool Connected => !double.IsNaN(Volatile.Read(ref _joinMs));

    /// <summary>Join start to ICE + DTLS connected, in ms; NaN before.</summary>
    public double JoinMs => Volatile.Read(ref _joinMs);

    /// <summary>Join start to the first keyframe (IDR start, or the first fMP4 fragment after the init), in ms; NaN before.</summary>
    public double FirstKeyframeMs => Volatile.Read(ref _firstKeyframeMs);

    /// <summary>Completes at the first keyframe: the viewer plays.</summary>
    public Task FirstKeyframe => _firstKeyframe.Task;

    /// <summary>RTP packets that authenticated, or stream-channel messages.</summary>
    public long Packets => Volatile.Read(ref _packets);

    /// <summary>Completes once <see cref="Packets"/> reaches <paramref name="count"/> (one waiter at a time).</summary>
    public Task WaitForPacketsAsync(long count, CancellationToken cancellationToken)
    {
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _packetsAwaited, count); // before the waiter: the receive path reads them the other way round
        Volatile.Write(ref _packetsReached, reached);
        if (Packets >= count)
        {
            reached.TrySetResult();
        }

        return reached.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Bytes received: SRTP datagrams as they came, or stream-channel payload.</summary>
    public long Bytes => Volatile.Read(ref _bytes);

    /// <summary>The viewer's own UDP port (127.0.0.1), 0 before the join.</summary>
    public int LocalPort => _driver?.LocalEndPoint.Port ?? _socket?.LocalEndPoint.Port ?? 0;

    /// <summary>Why the viewer failed, if it did.</summary>
    public string? Failure => Volatile.Read(ref _failure);

    /// <summary>
    /// Joins through the signalling, answers, and completes once ICE and DTLS are connected. Throws on a refused
    /// join, a failed session or cancellation (the reason is kept in <see cref="Failure"/>).
    /// </summary>
    public async Task JoinAsync(CancellationToken cancellationToken)
    {
        _joinStart = Stopwatch.GetTimestamp();
        try
        {
            UdpPortDriverOptions port = _hostCandidates
                ? new UdpPortDriverOptions { IncludeLoopback = true }
                : new UdpPortDriverOptions { BindAddress = IPAddress.Loopback };
            var sessionOptions = new PeerSessionOptions { Certificate = _certificate, LoopbackOnly = !_hostCandidates, RelayOnly = RelayOnly };
            PeerSession session;
            if (ReceivePool is { } pool && !RelayOnly)
            {
                _socket = pool.Open(port);
                _socket.RtpReceived = ReceiveRtp;
                session = pool.CreateSession(_socket, sessionOptions);
            }
            else
            {
                _driver = UdpPortDriver.Start(port);
                session = _driver.CreateSession(sessionOptions);
            }

            _session = session;
            session.StateChanged += OnStateChanged;
            session.LocalCandidate += OnLocalCandidate;
            if (_transport == ViewerTransport.Srtp)
            {
                session.DtlsConnected += OnDtlsConnected;
                session.RtpOrRtcpReceived += OnRtpOrRtcp;
            }
            else
            {
                session.DataChannelOpenedByPeer += OnDataChannel;
            }

            string offer = await _signalling.JoinAsync(cancellationToken).ConfigureAwait(false);
            if (RelayOnly)
            {
                // Attached before the answer: the relayed candidate goes inline, the only one the answer has. A relay-only
                // viewer always has its own port driver (ReceivePool is not used).
                TurnRelayOptions server = await _signalling.GetTcpTurnServerAsync(cancellationToken).ConfigureAwait(false);
                _relay = await TurnRelay.ConnectAsync(server, _driver!, TimeProvider.System, NullLogger.Instance, cancellationToken)
                    .ConfigureAwait(false);
                _relay.Attach(session);
            }

            await session.SetRemoteDescriptionAsync(_hostCandidates ? HostCandidateFilter.FilterOffer(offer) : offer).ConfigureAwait(false);
            _signalling.RemoteCandidate += OnRemoteCandidate;
            string answer = await session.CreateAnswerAsync().ConfigureAwait(false);
            await _signalling.AnswerAsync(answer, cancellationToken).ConfigureAwait(false);
            await _connected.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Fail(e is OperationCanceledException ? $"not connected in time (state {_session?.State})" : $"{e.GetType().Name}: {e.Message}");
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        // The session first: its close_notify ends the viewer on the server at once.
        if (_session is { } session)
        {
            session.StateChanged -= OnStateChanged;
            await session.DisposeAsync().ConfigureAwait(false);
        }

        await _signalling.DisposeAsync().ConfigureAwait(false);
        if (_relay is not null)
        {
            await _relay.DisposeAsync().ConfigureAwait(false);
        }

        if (_driver is not null)
        {
            await _driver.DisposeAsync().ConfigureAwait(false);
        }

        // A pool's socket is closed by the pool, once its threads stopped reading it.

        DisposeSrtp();
    }

    private double ElapsedMs => Stopwatch.GetElapsedTime(_joinStart).TotalMilliseconds;

    private void Fail(string reason) => Interlocked.CompareExchange(ref _failure, reason, null);

    private void AddReceived(int bytes)
    {
        Volatile.Write(ref _packets, _packets + 1);
        Volatile.Write(ref _bytes, _bytes + bytes);
        if (Volatile.Read(ref _packetsReached) is { } reached && _packets >= Volatile.Read(ref _packetsAwaited))
        {
            reached.TrySetResult();
        }
    }

    private void KeyframeSeen()
    {
        if (double.IsNaN(_firstKeyframeMs))
        {
            Volatile.Write(ref _firstKeyframeMs, ElapsedMs);
            _firstKeyframe.TrySetResult();
        }
    }

    private void OnStateChanged(PeerSession session, PeerSessionState state)
    {
        switch (state)
        {
            case PeerSessionState.Connected:
                if (RelayOnly && session.SelectedPathKind != "turn/tcp")
                {
                    Fail($"connected over {session.SelectedPathKind}, not through the TURN relay (turn/tcp)");
                }

                Volatile.Write(ref _joinMs, ElapsedMs);
                _connected.TrySetResult();
                break;
            case PeerSessionState.Failed or PeerSessionState.Closed:
                Fail(session.FailureReason ?? $"session {state}");
                _connected.TrySetException(new InvalidOperationException(session.FailureReason ?? $"session {state}"));
                break;
            case PeerSessionState.New or PeerSessionState.Checking or PeerSessionState.DtlsHandshaking:
                break;
            default:
                throw new InvalidOperationException("Unknown session state.");
        }
    }

    private void OnRemoteCandidate(string candidate)
    {
        if (!_hostCandidates || HostCandidateFilter.IsThisHost(candidate))
        {
            _session?.AddRemoteCandidate(candidate);
        }
    }

    private void OnLocalCandidate(PeerSession session, string candidate) => _ = TrickleAsync(candidate);

    private async Task TrickleAsync(string candidate)
    {
        try
        {
            await _signalling.SendCandidateAsync(candidate, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or System.Net.WebSockets.WebSocketException or ObjectDisposedException)
        {
            // The viewer is leaving or never joined; the inline host candidate is enough on loopback.
        }
    }
}
