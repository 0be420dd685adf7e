using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EmsSharp.Protocols.SocketIo;
using Microsoft.Extensions.Logging.Abstractions;

namespace EmsSharp.Server.Delivery.Ers;

/// <summary>
/// The EMS side of the rendezvous (PROTOCOL.md §3): a socket.io rev 1 client that dials out to an ERS,
/// joins a room as its EMS and relays signalling messages. With keepAlive it reconnects after any
/// disconnect or refusal (first retry within 250 ms, then exponential backoff with jitter capped at
/// <see cref="ErsClientOptions.MaxBackoff"/>) and rejoins. Given several ERS addresses (issue 17) it dials the next
/// one, round robin, after a disconnect or a failed connect; the backoff grows only once every address failed in a row.
/// Events are raised on the client's receive loop, one at a time; handlers must not block.
/// </summary>
public sealed partial class ErsClient : IAsyncDisposable
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(250);

    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly Lock _lock = new();
    private readonly ErsAddress[] _addresses;
    private readonly string[] _addressNames;
    private int _addressIndex;
    private Task? _run;
    private ClientWebSocket? _socket;
    private IReadOnlyList<JsonElement> _stunServers = [];
    private IReadOnlyList<JsonElement> _turnServers = [];
    private ErsClientStatus _status;
    private string? _peerId;
    private volatile bool _joined;
    private volatile bool _stopping;
    private bool _disposed;

    /// <summary>Creates a client; call <see cref="Start"/> to connect.</summary>
    /// <param name="options">Where to connect and which room to hold.</param>
    /// <param name="logger">Logger; none by default.</param>
    /// <param name="timeProvider">Clock for backoff and heartbeat timeouts; <see cref="TimeProvider.System"/> by default.</param>
    public ErsClient(ErsClientOptions options, ILogger? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _addresses = [.. options.Addresses];
        foreach (ErsAddress address in _addresses)
        {
            if (address.Port is < 1 or > 65535)
            {
                throw new ArgumentOutOfRangeException(nameof(options), "Port must be 1..65535");
            }

            ArgumentException.ThrowIfNullOrEmpty(address.Host, nameof(options));
        }

        ArgumentException.ThrowIfNullOrEmpty(options.RoomId);
        Options = options;
        _logger = logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
        _addressNames = [.. _addresses.Select(static a => a.ToString())];
    }

    /// <summary>A browser joined the room.</summary>
    public event EventHandler<ErsClientJoinedEventArgs>? ClientJoined;

    /// <summary>A relayed message arrived (offer/answer/candidate/...).</summary>
    public event EventHandler<ErsMessageEventArgs>? MessageReceived;

    /// <summary>A peer left the room or dropped.</summary>
    public event EventHandler<ErsPeerRemovedEventArgs>? PeerRemoved;

    /// <summary>The status changed: joined, refused (with the reason), disconnected, reconnecting, stopped.</summary>
    public event EventHandler<ErsStatusChangedEventArgs>? StatusChanged;

    /// <summary>The options this client runs with.</summary>
    public ErsClientOptions Options { get; }

    /// <summary>The current status.</summary>
    public ErsClientStatus Status
    {
        get
        {
            lock (_lock)
            {
                return _status;
            }
        }
    }

    /// <summary>The ERS address in use: the one connected to, or being dialled or waited for.</summary>
    public ErsAddress CurrentAddress => _addresses[Volatile.Read(ref _addressIndex)];

    /// <summary>
    /// The <c>instance</c> join option <b>(ours)</b>: 128 random bits in hex, made once per client and kept across
    /// reconnects, so that an ERS can tell this EMS coming back through another node from a second EMS.
    /// </summary>
    public string Instance { get; } = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>This EMS's peer id in the room (its socket.io session id), or null when not connected.</summary>
    public string? PeerId => Volatile.Read(ref _peerId);

    /// <summary>True while in the room.</summary>
    public bool IsJoined => _joined;

    /// <summary>The last <c>stunservers</c> list the ERS sent (entries like <c>{"url":"stun:..."}</c>).</summary>
    public IReadOnlyList<JsonElement> StunServers => Volatile.Read(ref _stunServers);

    /// <summary>The last <c>turnservers</c> list (entries with <c>url</c>, <c>username</c>, <c>credential</c>).</summary>
    public IReadOnlyList<JsonElement> TurnServers => Volatile.Read(ref _turnServers);

    /// <summary>Starts connecting in the background; returns at once. Calling it again does nothing.</summary>
    public void Start()
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_stopping, this);
            _run ??= Task.Run(RunAsync);
        }
    }

    /// <summary>Sends a <c>message</c> event (<c>to</c> = the browser's peer id) through the ERS.</summary>
    /// <returns>False when not connected or the send failed; signalling is best effort.</returns>
    public Task<bool> SendMessageAsync(JsonElement message, CancellationToken cancellationToken = default) =>
        SendFrameAsync(SocketIoPayload.EventFrame("message", null, message), cancellationToken);

    /// <summary>Serializes <paramref name="message"/> with System.Text.Json and sends it as a <c>message</c> event.</summary>
    public Task<bool> SendMessageAsync(object message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        return SendMessageAsync(JsonSerializer.SerializeToElement(message, message.GetType()), cancellationToken);
    }

    /// <summary>
    /// Sends an <c>emsLoad</c> event <b>(ours, issue 17)</b> with <paramref name="load"/> as its one argument, without an
    /// ack; an ERS that does not know it ignores it. Only while in the room: the ERS weighs the reports of its EMS members.
    /// </summary>
    /// <returns>False when not in the room or the send failed.</returns>
    public Task<bool> SendLoadAsync(JsonElement load, CancellationToken cancellationToken = default) =>
        _joined ? SendFrameAsync(SocketIoPayload.EventFrame("emsLoad", null, load), cancellationToken) : Task.FromResult(false);

    /// <summary>Leaves the room cleanly (<c>leave</c>, then disconnect) and stops reconnecting.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        Task? run;
        lock (_lock)
        {
            _stopping = true;
            run = _run;
        }

        if (_socket is { State: WebSocketState.Open } socket)
        {
            using CancellationTokenSource timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            if (_joined)
            {
                await SendFrameAsync(SocketIoPayload.EventFrame("leave", null), timeout.Token).ConfigureAwait(false);
            }

            await SendFrameAsync(SocketIoFrame.Disconnect, timeout.Token).ConfigureAwait(false);
            try
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }

        if (!_disposed)
        {
            await _stop.CancelAsync().ConfigureAwait(false);
        }

        if (run is not null)
        {
            await run.ConfigureAwait(false);
        }

        SetStatus(ErsClientStatus.Stopped, "stopped");
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _disposed = true;
        _stop.Dispose();
        _sendLock.Dispose();
    }

    /// <summary>The address in use as logs name it: <c>host:port</c> or <c>[ipv6]:port</c>.</summary>
    private string ErsName => _addressNames[Volatile.Read(ref _addressIndex)];

    /// <summary>Delay before attempt <paramref name="failures"/>+1: 250 ms·2^n, jittered to 50..100 %, capped.</summary>
    internal static TimeSpan Backoff(int failures, TimeSpan cap, double random)
    {
        double ms = FirstRetry.TotalMilliseconds * Math.Pow(2, Math.Min(failures, 16));
        ms = Math.Min(ms, cap.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(ms * (0.5 + (0.5 * random)));
    }

    private async Task RunAsync()
    {
        CancellationToken token = _stop.Token;
        int failures = 0; // exponent of the next growing backoff; 0 again after a join
        int unreached = 0; // attempts in a row that ended without a room and without a refusal
        while (!_stopping && !token.IsCancellationRequested)
        {
            int index = Volatile.Read(ref _addressIndex);
            SetStatus(ErsClientStatus.Connecting, _addresses.Length == 1
                ? $"connecting to {_addressNames[index]}"
                : $"connecting to {_addressNames[index]} ({index + 1} of {_addresses.Length})");
            (ErsClientStatus status, string description) outcome;
            try
            {
                outcome = await RunSessionAsync(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested || _stopping)
            {
                break;
            }
            catch (Exception e) when (e is HttpRequestException or WebSocketException or IOException
                or OperationCanceledException or InvalidDataException)
            {
                outcome = (ErsClientStatus.Disconnected, e.Message);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Anything else (a URI an old configuration makes invalid, a bug) must not end the loop: log and back off.
                ErsClientLog.SessionFailed(_logger, ErsName, Options.RoomId, e);
                outcome = (ErsClientStatus.Disconnected, e.Message);
            }
            finally
            {
                bool wasJoined = _joined;
                _joined = false;
                Volatile.Write(ref _peerId, null);
                if (wasJoined)
                {
                    failures = 0;
                    unreached = 0;
                }
            }

            if (_stopping || token.IsCancellationRequested)
            {
                break;
            }

            SetStatus(outcome.status, outcome.description);
            if (!Options.KeepAlive)
            {
                SetStatus(ErsClientStatus.Stopped, "keepAlive is off");
                break;
            }

            TimeSpan delay;
            if (outcome.status == ErsClientStatus.Refused)
            {
                // The ERS answered (room taken, invalid token): the nodes of one rendezvous share their rooms and
                // tokens, so another would say the same. Stay on this one and back off as always.
                unreached = 0;
                delay = Backoff(failures++, Options.MaxBackoff, Random.Shared.NextDouble());
            }
            else
            {
                // Lost or never reached: try the next address. The backoff grows only once every address failed in a
                // row: a node that died must not cost the EMS a backoff while another node is up (issue 17 wants it
                // back in its room through another node within 2 s); until then each next node gets the first retry's delay.
                Volatile.Write(ref _addressIndex, (index + 1) % _addresses.Length);
                delay = ++unreached % _addresses.Length != 0
                    ? Backoff(0, Options.MaxBackoff, Random.Shared.NextDouble())
                    : Backoff(failures++, Options.MaxBackoff, Random.Shared.NextDouble());
            }

            // The wait is armed before it is announced: whoever sees "retrying in N ms" can count on the N ms running.
            Task wait = Task.Delay(delay, _time, token);
            SetStatus(ErsClientStatus.Reconnecting, $"retrying in {delay.TotalMilliseconds:F0} ms");
            try
            {
                await wait.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private async Task<bool> SendFrameAsync(SocketIoFrame frame, CancellationToken cancellationToken)
    {
        ClientWebSocket? socket = _socket;
        if (socket is not { State: WebSocketState.Open })
        {
            return false;
        }

        byte[] bytes = Encoding.UTF8.GetBytes(frame.ToString());
        try
        {
            await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await socket.SendAsync(bytes, WebSocketMessageType.Text, true, cancellationToken).ConfigureAwait(false);
                return true;
            }
            finally
            {
                _sendLock.Release();
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            return false;
        }
    }

    private void SetStatus(ErsClientStatus status, string description)
    {
        lock (_lock)
        {
            if (_status == status && status == ErsClientStatus.Stopped)
            {
                return;
            }

            _status = status;
        }

        ErsClientLog.Status(_logger, ErsName, Options.RoomId, status, description);
        Raise(StatusChanged, new ErsStatusChangedEventArgs(status, description));
    }

    private void Raise<T>(EventHandler<T>? handler, T args)
    {
        try
        {
            handler?.Invoke(this, args);
        }
#pragma warning disable CA1031 // a faulty owner must not kill the signalling loop
        catch (Exception e)
#pragma warning restore CA1031
        {
            ErsClientLog.HandlerFailed(_logger, ErsName, Options.RoomId, e);
        }
    }
}
