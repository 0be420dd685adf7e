using System.Buffers;
using System.Globalization;
using System.Net;
using EmsSharp.Media.Ring;
using EmsSharp.Protocols.Dtls;
using EmsSharp.Protocols.Ice;
using EmsSharp.Protocols.Sdp;
using Microsoft.Extensions.Logging;

namespace EmsSharp.WebRtc;

/// <summary>
/// One browser's WebRTC transport: RFC 7983 demux + ICE + DTLS-SRTP on a shared UDP port, driven by the
/// <see cref="SessionWorker"/> that owns it (no task, timer or thread of its own). SRTP and SCTP plug in through <see cref="DtlsConnected"/>, <see cref="SendRtpOrRtcp"/>,
/// <see cref="SendRtpOrRtcpBatch"/>, <see cref="RtpOrRtcpReceived"/>, <see cref="SendDtlsApplicationData"/> and
/// <see cref="DtlsApplicationDataReceived"/>. Events are raised on the worker's loop, one at a time: handlers must not
/// block.
/// </summary>
public sealed partial class PeerSession : IAsyncDisposable, IWakeupMember
{
    private const int MaxQueuedDatagrams = 1024;

    private readonly IPeerSessionHost _host;
    private readonly SessionWorker _worker;
    private readonly PeerSessionOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly long _origin;
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly IceAgent _ice;
    private IDtlsTransport? _dtls;
    private DtlsRole _dtlsRole;
    private bool _dtlsStarted;
    private TimeSpan? _answerDeadline;
    private TimeSpan? _dtlsDeadline;

    // ICE's output and next deadline, taken at the end of a turn whose inputs could have moved them (STUN, a timer, a
    // command or control, a state change), and kept through the turns that could not: a media pump's sends, the
    // peer's DTLS records and SACKs, a data-channel send. Those are nearly every turn of a playing session, and each
    // walked the check list for a deadline that had not moved.
    private bool _iceTouched = true;
    private TimeSpan? _iceNextTimeout;
    private readonly Dictionary<int, IPacketPath> _paths = [];
    private int _queuedDatagrams;
    private int _lastBase;
    private volatile SelectedPath? _selected;
    private volatile PeerSessionState _state = PeerSessionState.New;

    internal PeerSession(IPeerSessionHost host, SessionWorker worker, PeerSessionOptions options, ILogger logger)
    {
        _host = host;
        _worker = worker;
        _options = options;
        _time = worker.Time;
        _logger = logger;
        _origin = _time.GetTimestamp();
        _ice = new IceAgent(IceRole.Controlling, random: options.RandomSeed is { } seed ? new Random(seed) : null)
        {
            RemoteAddressFilter = options.LoopbackOnly ? IPAddress.IsLoopback : null,
            RelayOnly = options.RelayOnly,
        };
        foreach (var c in host.HostCandidates)
        {
            _ice.AddLocalCandidate(c);
        }

        _paths[0] = host;
        worker.Attach();
    }

    /// <summary>A local candidate was gathered after the description was made; trickle it (<c>candidate:...</c>).</summary>
    public event Action<PeerSession, string>? LocalCandidate;

    /// <summary>The state changed.</summary>
    public event Action<PeerSession, PeerSessionState>? StateChanged;

    /// <summary>
    /// DTLS completed: the SRTP profile and the exported keying material (client_key | server_key | client_salt |
    /// server_salt, RFC 5764 §4.2), and whether this side is the DTLS client.
    /// </summary>
    public event Action<PeerSession, DtlsSrtpKeys>? DtlsConnected;

    /// <summary>An RTP or RTCP datagram arrived (still SRTP/SRTCP-protected).</summary>
    public event PacketReceivedHandler? RtpOrRtcpReceived;

    /// <summary>
    /// DTLS application data arrived (an SCTP packet). A raw tap: when data channels were negotiated the session's own
    /// SCTP association consumes these packets too.
    /// </summary>
    public event PacketReceivedHandler? DtlsApplicationDataReceived;

    /// <summary>Current state.</summary>
    public PeerSessionState State => _state;

    /// <summary>Local ICE username fragment: the key the shared-port driver routes first contact by.</summary>
    public string LocalUfrag => _ice.LocalUfrag;

    /// <summary>The selected remote address once ICE connected.</summary>
    public IPEndPoint? RemoteEndPoint => _selected?.Remote;

    /// <summary>The selected pair's path (<see cref="IPacketPath.Kind"/>: udp, tcp, turn/udp...), once connected.</summary>
    public string? SelectedPathKind => _selected?.Path.Kind;

    /// <summary>The SRTP keys once <see cref="PeerSessionState.Connected"/>.</summary>
    public DtlsSrtpKeys? SrtpKeys { get; private set; }

    /// <summary>Why the session failed, for logs and error events; null unless <see cref="PeerSessionState.Failed"/>.</summary>
    public string? FailureReason { get; private set; }

    /// <summary>The parsed remote description, once set.</summary>
    public WebRtcRemoteDescription? RemoteDescription { get; private set; }

    /// <summary>The selected remote candidate's type (host, srflx, prflx...), once connected.</summary>
    public IceCandidateType? SelectedCandidateType => _ice.SelectedRemoteCandidate?.Type;

    /// <summary>
    /// Sends an already-protected SRTP/SRTCP datagram to the selected pair. Thread-safe; dropped (false) before ICE
    /// connects.
    /// </summary>
    public bool SendRtpOrRtcp(ReadOnlySpan<byte> protectedPacket)
    {
        if (ConnectedPath is not { } selected)
        {
            return false;
        }

        selected.Path.Send(protectedPacket, selected.Remote);
        return true;
    }

    /// <summary>
    /// Sends a batch of already-protected SRTP/SRTCP datagrams to the selected pair, in order, in as few system calls
    /// as its path allows (<see cref="IPacketPath.SendBatch"/>). Thread-safe; dropped (false) before ICE connects.
    /// </summary>
    public bool SendRtpOrRtcpBatch(DatagramBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (ConnectedPath is not { } selected)
        {
            return false;
        }

        selected.Path.SendBatch(batch.Datagrams, batch.Lengths, selected.Remote);
        return true;
    }

    /// <summary>
    /// Sends DTLS application data (a raw SCTP packet). Thread-safe; false before DTLS connects. Not for use together
    /// with <see cref="CreateDataChannel"/>, whose association owns the SCTP stream.
    /// </summary>
    public bool SendDtlsApplicationData(ReadOnlySpan<byte> data) => _dtls?.Send(data) ?? false;

    /// <summary>Adds a trickled remote candidate (<c>candidate:...</c>, with or without <c>a=</c>).</summary>
    public void AddRemoteCandidate(string candidate)
    {
        if (IceCandidate.TryParse(candidate, out var c))
        {
            AddRemoteCandidate(c!);
        }
    }

    /// <summary>Adds a trickled remote candidate.</summary>
    public void AddRemoteCandidate(IceCandidate candidate) =>
        Post(new PeerSessionInput(PeerSessionInputKind.Command, Command: () => _ice.AddRemoteCandidate(candidate, Now)));

    /// <summary>
    /// Adds a local candidate beyond the port's host ones (a server-reflexive address the port discovered). Before
    /// the offer it goes inline in the SDP; after it, <see cref="LocalCandidate"/> trickles it.
    /// </summary>
    public void AddLocalCandidate(IceCandidate candidate) =>
        Post(new PeerSessionInput(PeerSessionInputKind.Command, Command: () =>
        {
            foreach (var known in _ice.LocalCandidates)
            {
                if (known.Address == candidate.Address && known.Port == candidate.Port)
                {
                    return; // RFC 8445 §5.1.3: a redundant candidate is dropped.
                }
            }

            if (_ice.AddLocalCandidate(candidate) && _described)
            {
                LocalCandidate?.Invoke(this, candidate.ToString());
            }
        }));

    /// <summary>
    /// Adds a local base (a TURN allocation, or an ICE-TCP connection) and returns its id, under which its owner
    /// delivers what arrives on it (<see cref="DeliverDatagram"/>). A relayed <paramref name="candidate"/> is signalled
    /// like <see cref="AddLocalCandidate"/>; with <paramref name="pairsWithSignalled"/> every signalled remote candidate
    /// is checked through the path too (a relay), otherwise only peers whose checks arrive on it (ICE-TCP).
    /// </summary>
    public int AddPath(IPacketPath path, IceCandidate? candidate, uint priority, bool pairsWithSignalled)
    {
        var id = Interlocked.Increment(ref _lastBase);
        Post(new PeerSessionInput(PeerSessionInputKind.Command, Command: () =>
        {
            _paths[id] = path;
            _ice.AddBase(id, priority, pairsWithSignalled, Now);
        }));
        if (candidate is not null)
        {
            AddLocalCandidate(candidate);
        }

        return id;
    }

    /// <summary>
    /// The listener to create stream ring readers with (<c>StreamRing.CreateReader</c>) whose units this session's
    /// worker sends: shared by every session of the worker, so a ring wakes each worker once per unit.
    /// </summary>
    public IStreamRingListener MediaListener => _worker.MediaListener;

    /// <summary>
    /// Has this session's worker run <paramref name="pump"/> whenever <paramref name="ring"/> (read through a reader
    /// created with <see cref="MediaListener"/>) has new units or ends, and once now. Thread-safe; ignored once the
    /// session closed. Remove it (<see cref="RemoveMediaPumpAsync"/>) before disposing its readers.
    /// </summary>
    public void AddMediaPump(IStreamRing ring, IMediaPump pump) =>
        Post(new PeerSessionInput(PeerSessionInputKind.Command, Command: () => _worker.MediaListener.Add(ring, pump)));

    /// <summary>
    /// Stops running <paramref name="pump"/> for <paramref name="ring"/>; the returned task completes once the worker
    /// will not call it again (at once if the worker has stopped).
    /// </summary>
    public Task RemoveMediaPumpAsync(IStreamRing ring, IMediaPump pump)
    {
        var removed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_worker.Post(this, new PeerSessionInput(PeerSessionInputKind.Control, Command: () =>
            {
                _worker.MediaListener.Remove(ring, pump);
                removed.TrySetResult();
            })))
        {
            removed.TrySetResult();
        }

        return removed.Task;
    }

    /// <summary>A path is gone (connection closed, allocation lost): its pairs fail, the session too if it was selected.</summary>
    public void RemovePath(int id) =>
        Post(new PeerSessionInput(PeerSessionInputKind.Command, Command: () =>
        {
            _ice.RemoveBase(id);
            _paths.Remove(id);
        }));

    /// <summary>Closes the session (close_notify, stop ICE) and waits until its worker has closed it.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_worker.Post(this, new PeerSessionInput(PeerSessionInputKind.Control, Command: Shutdown)))
        {
            _closed.TrySetResult(); // the worker stopped first: nothing runs this session any more
        }

        await _closed.Task.ConfigureAwait(false);
        _dtls?.Dispose();
    }

    /// <summary>
    /// Where the session stands, read on its worker (so it waits for the worker's queue: a caller that wants an answer
    /// from a stuck worker gives it a timeout). Faults with <see cref="ObjectDisposedException"/> once the session closed.
    /// </summary>
    public Task<PeerSessionSnapshot> GetSnapshotAsync() => InvokeAsync(() =>
    {
        var (wakeIn, queuedIn, timerIn) = _worker.TimerState(this);
        return new PeerSessionSnapshot(_state, wakeIn, queuedIn, timerIn, _worker.Stats.Queued, _dataChannels?.Association.Snapshot(Now),
            Interlocked.Read(ref _dtlsRecordsSent), _sctpPacketsRefused, _dtlsDatagramsReceived, _dtlsDatagramsRefused,
            _dtlsRecordsDelivered);
    });

    /// <inheritdoc/>
    TimeSpan? IWakeupMember.WakeAt { get; set; }

    /// <inheritdoc/>
    TimeSpan? IWakeupMember.QueuedWakeAt { get; set; }

    /// <summary>
    /// Hands a received datagram to the session (copied into a pooled buffer). Called by the driver of the path it
    /// arrived on (<paramref name="localBase"/> 0 = the shared UDP port).
    /// </summary>
    internal void DeliverDatagram(ReadOnlySpan<byte> datagram, IPEndPoint from, int localBase = 0)
    {
        if (Interlocked.Increment(ref _queuedDatagrams) > MaxQueuedDatagrams)
        {
            Interlocked.Decrement(ref _queuedDatagrams);
            return;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(datagram.Length);
        datagram.CopyTo(buffer);
        if (!_worker.Post(this, new PeerSessionInput(PeerSessionInputKind.Datagram, buffer, datagram.Length, from, Base: localBase)))
        {
            Interlocked.Decrement(ref _queuedDatagrams);
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private TimeSpan Now => _time.GetElapsedTime(_origin);

    // Media goes out only on a connected session's selected pair.
    private SelectedPath? ConnectedPath
    {
        get
        {
            var selected = _selected;
            return _state == PeerSessionState.Connected ? selected : null;
        }
    }

    private void Post(PeerSessionInput input) => _worker.Post(this, input);

    private Task<T> InvokeAsync<T>(Func<T> func)
    {
        var tcs = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var posted = _worker.Post(this, new PeerSessionInput(PeerSessionInputKind.Control, Command: () =>
        {
            try
            {
                ObjectDisposedException.ThrowIf(_state == PeerSessionState.Closed, this);
                tcs.SetResult(func());
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                tcs.SetException(e);
            }
        }));
        if (!posted)
        {
            tcs.SetException(new ObjectDisposedException(nameof(PeerSession)));
        }

        return tcs.Task;
    }

    /// <summary>Handles one input (worker loop only). A closed session only releases what the input holds.</summary>
    internal void HandleInput(in PeerSessionInput input)
    {
        if (_state == PeerSessionState.Closed && input.Kind is not (PeerSessionInputKind.Control or PeerSessionInputKind.DataChannelSend))
        {
            if (input.Kind == PeerSessionInputKind.Datagram)
            {
                Interlocked.Decrement(ref _queuedDatagrams);
                ArrayPool<byte>.Shared.Return(input.Data!);
            }

            return;
        }

        try
        {
            Handle(input);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A throwing event subscriber must not stop the worker, nor the session.
            LogLoopError(_logger, LocalUfrag, e);
        }
    }

    /// <summary>
    /// Ends a turn of the worker in which this session had inputs (worker loop only): sends what ICE and SCTP queued and
    /// asks to be woken at the earliest deadline.
    /// </summary>
    internal void EndTurn()
    {
        if (_state == PeerSessionState.Closed)
        {
            return;
        }

        try
        {
            if (_iceTouched)
            {
                _iceTouched = false;
                DrainIce();
                _iceNextTimeout = _ice.NextTimeout;
            }

            DrainDataChannels();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogLoopError(_logger, LocalUfrag, e);
        }

        var next = Earliest(Earliest(Earliest(_iceNextTimeout, _dataChannels?.NextTimeout), _answerDeadline), _dtlsDeadline);
        next = Earliest(next, _dtls?.NextTimeout); // the handshake's retransmission timer (RFC 6347 §4.2.4.1)
        _worker.Schedule(this, next - Now);
    }

    private void Handle(in PeerSessionInput input)
    {
        if (input.Kind is not (PeerSessionInputKind.Datagram or PeerSessionInputKind.DtlsData or PeerSessionInputKind.DataChannelSend))
        {
            _iceTouched = true;
        }

        switch (input.Kind)
        {
            case PeerSessionInputKind.Datagram:
                Interlocked.Decrement(ref _queuedDatagrams);
                try
                {
                    HandleDatagram(input.Data.AsSpan(0, input.Length), input.From!, input.Base);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(input.Data!);
                }

                break;
            case PeerSessionInputKind.Timer:
                var now = Now;
                _ice.HandleTimeout(now);
                _dtls?.HandleTimeout(now);
                HandleDataChannelTimeout(now);
                CheckDeadlines(now);
                break;
            case PeerSessionInputKind.Command:
            case PeerSessionInputKind.Control:
                input.Command!();
                break;
            case PeerSessionInputKind.DtlsConnected:
                OnDtlsConnected(input.Keys!);
                break;
            case PeerSessionInputKind.DtlsData:
                HandleDtlsData(input.Data.AsSpan(0, input.Length));
                break;
            case PeerSessionInputKind.DataChannelSend:
                HandleDataChannelSend(input);
                break;
            case PeerSessionInputKind.DtlsClosed:
                OnDtlsClosed(input.Error);
                break;
            default:
                throw new InvalidOperationException("Unknown input kind.");
        }
    }

    private void HandleDatagram(ReadOnlySpan<byte> datagram, IPEndPoint from, int localBase)
    {
        if (!_ice.UsesBase(localBase) || !_paths.TryGetValue(localBase, out var path))
        {
            return; // the relay policy's unused shared socket, or a path removed while its datagram was queued
        }

        switch (PacketDemux.Classify(datagram))
        {
            case PacketKind.Stun:
                _iceTouched = true;
                _ice.HandleStun(datagram, from, Now, localBase);
                break;
            case PacketKind.Dtls:
                // The peer may finish ICE first and send its ClientHello before our nomination completes.
                _selected ??= new SelectedPath(localBase, path, from);
                _dtlsDatagramsReceived++;
                if (_dtls?.HandleDatagram(datagram) == false)
                {
                    _dtlsDatagramsRefused++;
                }

                break;
            case PacketKind.RtpOrRtcp:
                if (_state == PeerSessionState.Connected)
                {
                    RtpOrRtcpReceived?.Invoke(this, datagram);
                }

                break;
            case PacketKind.Unknown:
                break;
            default:
                throw new InvalidOperationException("Unknown packet kind.");
        }
    }

    private void DrainIce()
    {
        while (_ice.TryPollTransmit(out var t))
        {
            if (!_paths.TryGetValue(t.Base, out var path))
            {
                continue;
            }

            path.Send(t.Data, t.Destination);
            if (t.Base == 0)
            {
                _host.Route(t.Destination, this);
            }
        }

        while (_ice.TryPollEvent(out var e))
        {
            switch (e.Kind)
            {
                case IceEventKind.Connected:
                    var selected = new SelectedPath(e.Base, _paths[e.Base], e.RemoteEndPoint!);
                    _selected = selected;
                    LogIceConnected(_logger, LocalUfrag, e.RemoteEndPoint!, e.Candidate!.Type, selected.Path.Kind);
                    StartDtls();
                    break;
                case IceEventKind.Failed:
                    LogIceFailed(_logger, LocalUfrag);
                    Fail("ICE failed or consent expired");
                    break;
                default:
                    throw new InvalidOperationException("Unknown ICE event.");
            }
        }
    }

    private static TimeSpan? Earliest(TimeSpan? a, TimeSpan? b) => a is null || (b is not null && b < a) ? b : a;

    /// <summary>Fails a session whose answer or DTLS handshake is overdue (<see cref="PeerSessionOptions.AnswerTimeout"/>, <see cref="PeerSessionOptions.DtlsTimeout"/>).</summary>
    private void CheckDeadlines(TimeSpan now)
    {
        if (_answerDeadline is { } answer && now >= answer)
        {
            _answerDeadline = null;
            Fail(string.Create(CultureInfo.InvariantCulture, $"no answer within {_options.AnswerTimeout.TotalSeconds:0.###} s of the offer"));
        }

        if (_dtlsDeadline is { } dtls && now >= dtls)
        {
            _dtlsDeadline = null;
            Fail(string.Create(CultureInfo.InvariantCulture, $"DTLS did not complete within {_options.DtlsTimeout.TotalSeconds:0.###} s of ICE connecting"));
        }
    }

    private void Fail(string reason)
    {
        if (_state is PeerSessionState.Failed or PeerSessionState.Closed)
        {
            return;
        }

        LogFailed(_logger, LocalUfrag, reason);
        FailureReason = reason;
        _iceTouched = true;
        SetState(PeerSessionState.Failed);
        EndDataChannels();
        _dtls?.Close();
    }

    private void SetState(PeerSessionState state)
    {
        if (_state == state || _state is PeerSessionState.Closed)
        {
            return;
        }

        _state = state;
        StateChanged?.Invoke(this, state);
    }

    private void Shutdown()
    {
        if (_state == PeerSessionState.Closed)
        {
            _closed.TrySetResult();
            return;
        }

        _ice.Close();
        EndDataChannels();
        _dtls?.Close();
        _host.Detach(this);
        SetState(PeerSessionState.Closed);
        _worker.Schedule(this, null);
        _worker.Detach();
        _closed.TrySetResult();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "ICE connected for {Ufrag} to {Remote} ({Type}) over {Path}")]
    private static partial void LogIceConnected(ILogger logger, string ufrag, IPEndPoint remote, IceCandidateType type, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "ICE restart of {Ufrag}: now {NewUfrag}, media stays on the selected pair until a new one is")]
    private static partial void LogIceRestarted(ILogger logger, string ufrag, string newUfrag);

    [LoggerMessage(Level = LogLevel.Warning, Message = "ICE failed for {Ufrag}")]
    private static partial void LogIceFailed(ILogger logger, string ufrag);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {Ufrag} failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string ufrag, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "DTLS connected for {Ufrag}, SRTP profile {Profile}")]
    private static partial void LogDtlsConnected(ILogger logger, string ufrag, ushort profile);

    [LoggerMessage(Level = LogLevel.Error, Message = "Session loop error for {Ufrag}")]
    private static partial void LogLoopError(ILogger logger, string ufrag, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "DTLS closed for {Ufrag}: {Error}")]
    private static partial void LogDtlsClosed(ILogger logger, string ufrag, string? error);

    /// <summary>Where the session sends: the selected pair's base, its path and the remote address. Immutable, swapped whole.</summary>
    private sealed record SelectedPath(int Base, IPacketPath Path, IPEndPoint Remote);
}
