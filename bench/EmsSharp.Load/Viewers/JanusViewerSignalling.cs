using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net.WebSockets;
using System.Text.Json;
using EmsSharp.WebRtc;

namespace EmsSharp.Load.Viewers;

/// <summary>
/// One viewer of a Janus streaming-plugin mountpoint over the Janus WebSocket API (subprotocol
/// <c>janus-protocol</c>): <c>create</c> a session, <c>attach</c> <c>janus.plugin.streaming</c>, <c>watch</c> the
/// mountpoint and wait for the event carrying Janus's offer; <c>start</c> with our answer; <c>trickle</c> our
/// candidates; <c>keepalive</c> every 25 s so the session never times out; <c>destroy</c> on dispose.
/// </summary>
/// <remarks>
/// Janus is the offerer and ICE-controlling; the viewer answers as a browser does. Candidates Janus trickles (only
/// with <c>full_trickle</c>; by default they are inline in the offer) are held until <see cref="AnswerAsync"/>, so
/// the caller has set the offer before it sees any of them. Every message is bounded to
/// <see cref="MaxMessageLength"/> bytes.
/// </remarks>
internal sealed class JanusViewerSignalling(Uri endpoint, long mountpointId) : IViewerSignalling
{
    /// <summary>The WebSocket subprotocol the Janus transport requires.</summary>
    public const string SubProtocol = "janus-protocol";

    /// <summary>Largest Janus message accepted (an offer is about 2 KB).</summary>
    public const int MaxMessageLength = 64 * 1024;

    private const string StreamingPlugin = "janus.plugin.streaming";
    private static readonly TimeSpan KeepAliveInterval = TimeSpan.FromSeconds(25);
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(3);

    private readonly ClientWebSocket _socket = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, PendingRequest> _pending = new(StringComparer.Ordinal);
    private readonly Lock _candidateLock = new();
    private List<string>? _heldCandidates = [];
    private Task _reader = Task.CompletedTask;
    private Task _keepAlive = Task.CompletedTask;
    private Exception? _readerFault;
    private long _nextTransaction;
    private long _sessionId;
    private long _handleId;
    private string _mid = "0";
    private int _joined;
    private int _disposed;

    /// <inheritdoc/>
    public event Action<string>? RemoteCandidate;

    /// <summary>The Janus session id, once created (0 before).</summary>
    public long SessionId => Interlocked.Read(ref _sessionId);

    /// <summary>The streaming plugin handle id, once attached (0 before).</summary>
    public long HandleId => Interlocked.Read(ref _handleId);

    /// <summary>Why Janus hung the PeerConnection up (a <c>hangup</c> event), if it did.</summary>
    public string? HangupReason { get; private set; }

    /// <summary>Janus reported the PeerConnection up (a <c>webrtcup</c> event: ICE and DTLS done on its side).</summary>
    public bool WebRtcUp { get; private set; }

    /// <inheritdoc/>
    public async Task<string> JoinAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _joined, 1) != 0)
        {
            throw new InvalidOperationException("JoinAsync was already called.");
        }

        _socket.Options.AddSubProtocol(SubProtocol);
        _socket.Options.KeepAliveInterval = TimeSpan.Zero;
        await _socket.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
        _reader = Task.Run(ReadLoopAsync, CancellationToken.None);

        JsonElement created = await RequestAsync("create", null, false, cancellationToken).ConfigureAwait(false);
        Interlocked.Exchange(ref _sessionId, GetDataId(created, "create"));
        _keepAlive = Task.Run(KeepAliveLoopAsync, CancellationToken.None);

        JsonElement attached = await RequestAsync("attach", static w => w.WriteString("plugin", StreamingPlugin), false,
            cancellationToken).ConfigureAwait(false);
        Interlocked.Exchange(ref _handleId, GetDataId(attached, "attach"));

        long id = mountpointId;
        JsonElement watched = await RequestAsync("message", w =>
        {
            w.WriteStartObject("body");
            w.WriteString("request", "watch");
            w.WriteNumber("id", id);
            w.WriteEndObject();
        }, true, cancellationToken).ConfigureAwait(false);
        ThrowIfPluginError(watched, "watch");
        if (!TryGetObject(watched, "jsep", out JsonElement jsep)
            || GetString(jsep, "type") != "offer" || GetString(jsep, "sdp") is not { } sdp)
        {
            throw new JanusApiException($"Janus's answer to 'watch' carries no jsep offer: {watched.GetRawText()}");
        }

        _mid = FindFirstMid(sdp) ?? "0";
        return sdp;
    }

    /// <inheritdoc/>
    public async Task AnswerAsync(string sdp, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sdp);
        ThrowIfNotJoined();
        ReleaseHeldCandidates();
        JsonElement started = await RequestAsync("message", w =>
        {
            w.WriteStartObject("body");
            w.WriteString("request", "start");
            w.WriteEndObject();
            w.WriteStartObject("jsep");
            w.WriteString("type", "answer");
            w.WriteString("sdp", sdp);
            w.WriteEndObject();
        }, true, cancellationToken).ConfigureAwait(false);
        ThrowIfPluginError(started, "start");
    }

    /// <inheritdoc/>
    /// <remarks>The comparison runs give Janus no TURN server: relay-only viewers are for the ers (its bundled one).</remarks>
    public Task<TurnRelayOptions> GetTcpTurnServerAsync(CancellationToken cancellationToken) =>
        Task.FromException<TurnRelayOptions>(new InvalidOperationException("Janus hands out no TURN server"));

    /// <inheritdoc/>
    public async Task SendCandidateAsync(string candidate, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ThrowIfNotJoined();
        string value = candidate.StartsWith("a=", StringComparison.Ordinal) ? candidate[2..] : candidate;
        string mid = _mid;
        await RequestAsync("trickle", w =>
        {
            w.WriteStartObject("candidate");
            w.WriteString("candidate", value);
            w.WriteString("sdpMid", mid);
            w.WriteNumber("sdpMLineIndex", 0);
            w.WriteEndObject();
        }, false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Destroys the session (which detaches the handle and hangs up) and closes the WebSocket.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        using (var bounded = new CancellationTokenSource(CloseTimeout))
        {
            try
            {
                if (SessionId != 0 && _socket.State == WebSocketState.Open && _readerFault is null)
                {
                    await RequestAsync("destroy", null, false, bounded.Token).ConfigureAwait(false);
                }

                if (_socket.State == WebSocketState.Open)
                {
                    await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", bounded.Token)
                        .ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or WebSocketException or JanusApiException
                or ObjectDisposedException)
            {
                // Best effort: Janus reaps the session itself after session_timeout.
            }
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        _socket.Abort();
        await Task.WhenAll(_reader, _keepAlive).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        FailPending(new ObjectDisposedException(nameof(JanusViewerSignalling)));
        _socket.Dispose();
        _sendLock.Dispose();
        _stop.Dispose();
    }

    /// <summary>
    /// Sends one Janus API request and waits for its reply: <c>success</c> (or <c>ack</c> when
    /// <paramref name="awaitsEvent"/> is false), or the plugin <c>event</c> with the same transaction.
    /// </summary>
    private async Task<JsonElement> RequestAsync(string janus, Action<Utf8JsonWriter>? fields, bool awaitsEvent,
        CancellationToken cancellationToken)
    {
        string transaction = Interlocked.Increment(ref _nextTransaction).ToString(CultureInfo.InvariantCulture);
        var pending = new PendingRequest(janus, awaitsEvent);
        _pending[transaction] = pending;
        try
        {
            if (Volatile.Read(ref _readerFault) is { } fault)
            {
                throw new JanusApiException($"The Janus WebSocket is gone: {fault.Message}", fault);
            }

            await SendAsync(janus, transaction, fields, cancellationToken).ConfigureAwait(false);
            return await pending.Reply.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _pending.TryRemove(transaction, out _);
        }
    }

    private async Task SendAsync(string janus, string transaction, Action<Utf8JsonWriter>? fields,
        CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("janus", janus);
            writer.WriteString("transaction", transaction);
            if (SessionId != 0)
            {
                writer.WriteNumber("session_id", SessionId);
            }

            if (HandleId != 0 && janus is "message" or "trickle")
            {
                writer.WriteNumber("handle_id", HandleId);
            }

            fields?.Invoke(writer);
            writer.WriteEndObject();
        }

        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _socket.SendAsync(buffer.WrittenMemory, WebSocketMessageType.Text, true, cancellationToken)
                .ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async Task ReadLoopAsync()
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(MaxMessageLength);
        try
        {
            while (true)
            {
                int length = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (length == MaxMessageLength)
                    {
                        throw new InvalidDataException($"A Janus message exceeds {MaxMessageLength} bytes.");
                    }

                    result = await _socket.ReceiveAsync(buffer.AsMemory(length, MaxMessageLength - length), _stop.Token)
                        .ConfigureAwait(false);
                    length += result.Count;
                }
                while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely,
                        $"Janus closed the WebSocket ({_socket.CloseStatus} {_socket.CloseStatusDescription}).");
                }

                using JsonDocument document = JsonDocument.Parse(buffer.AsMemory(0, length));
                Dispatch(document.RootElement);
            }
        }
        catch (Exception e) when (e is WebSocketException or InvalidDataException or JsonException
            or OperationCanceledException or ObjectDisposedException)
        {
            Volatile.Write(ref _readerFault, e);
            FailPending(new JanusApiException($"The Janus WebSocket is gone: {e.Message}", e));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Dispatch(JsonElement message)
    {
        if (message.ValueKind != JsonValueKind.Object || GetString(message, "janus") is not { } kind)
        {
            throw new InvalidDataException($"Not a Janus message: {message.GetRawText()}");
        }

        if (GetString(message, "transaction") is { } id
            && _pending.TryGetValue(id, out PendingRequest? pending))
        {
            switch (kind)
            {
                case "ack" when pending.AwaitsEvent:
                    return; // The plugin's event with this transaction follows.
                case "ack" or "success" or "event":
                    pending.Reply.TrySetResult(message.Clone());
                    return;
                case "error":
                    pending.Reply.TrySetException(ToException(pending.Request, message));
                    return;
                default:
                    break;
            }
        }

        switch (kind)
        {
            case "trickle":
                // Janus API "trickle" towards the client: {"candidate":{"candidate","sdpMid","sdpMLineIndex"}} or
                // {"candidate":{"completed":true}}.
                if (TryGetObject(message, "candidate", out JsonElement candidate)
                    && GetString(candidate, "candidate") is { Length: > 0 } text)
                {
                    OnRemoteCandidate(text.StartsWith("a=", StringComparison.Ordinal) ? text[2..] : text);
                }

                break;
            case "webrtcup":
                WebRtcUp = true;
                break;
            case "hangup":
                HangupReason = GetString(message, "reason") ?? "hangup";
                break;
            case "timeout":
                FailPending(new JanusApiException("Janus timed the session out (no keepalive within session_timeout)."));
                break;
            default:
                break; // media, slowlink, detached, acks of keepalives, plugin events without a transaction.
        }
    }

    private async Task KeepAliveLoopAsync()
    {
        using var timer = new PeriodicTimer(KeepAliveInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                // Fire and forget: the ack is ignored, a dead socket shows up in the reader.
                string transaction = Interlocked.Increment(ref _nextTransaction).ToString(CultureInfo.InvariantCulture);
                await SendAsync("keepalive", transaction, null, _stop.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
        }
    }

    private void OnRemoteCandidate(string candidate)
    {
        lock (_candidateLock)
        {
            if (_heldCandidates is not null)
            {
                _heldCandidates.Add(candidate);
                return;
            }
        }

        RemoteCandidate?.Invoke(candidate);
    }

    private void ReleaseHeldCandidates()
    {
        List<string>? held;
        lock (_candidateLock)
        {
            held = _heldCandidates;
            _heldCandidates = null;
        }

        if (held is not null)
        {
            foreach (string candidate in held)
            {
                RemoteCandidate?.Invoke(candidate);
            }
        }
    }

    private void FailPending(Exception error)
    {
        foreach (KeyValuePair<string, PendingRequest> entry in _pending)
        {
            entry.Value.Reply.TrySetException(error);
        }
    }

    private void ThrowIfNotJoined()
    {
        if (HandleId == 0)
        {
            throw new InvalidOperationException("JoinAsync has not completed.");
        }
    }

    private static long GetDataId(JsonElement reply, string request) =>
        TryGetObject(reply, "data", out JsonElement data) && GetInt64(data, "id") is { } value and not 0
            ? value
            : throw new JanusApiException($"Janus's reply to '{request}' has no data.id: {reply.GetRawText()}");

    private static void ThrowIfPluginError(JsonElement reply, string request)
    {
        // Plugin errors arrive as a normal event: plugindata.data.{error_code, error}.
        if (TryGetObject(reply, "plugindata", out JsonElement plugin)
            && TryGetObject(plugin, "data", out JsonElement data)
            && data.TryGetProperty("error_code", out _))
        {
            throw new JanusApiException(request, GetInt64(data, "error_code") ?? -1, GetString(data, "error") ?? "");
        }
    }

    private static JanusApiException ToException(string request, JsonElement reply)
    {
        if (TryGetObject(reply, "error", out JsonElement error))
        {
            return new JanusApiException(request, GetInt64(error, "code") ?? -1, GetString(error, "reason") ?? "");
        }

        return new JanusApiException($"Janus refused '{request}': {reply.GetRawText()}");
    }

    private static bool TryGetObject(JsonElement parent, string name, out JsonElement value) =>
        parent.TryGetProperty(name, out value) && value.ValueKind == JsonValueKind.Object;

    private static string? GetString(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    private static long? GetInt64(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.Number
            && value.TryGetInt64(out long number)
            ? number
            : null;

    private static string? FindFirstMid(string sdp)
    {
        // RFC 8843 §7.1: the m-line's a=mid identifies it in trickled candidates (sdpMid).
        foreach (ReadOnlySpan<char> line in sdp.AsSpan().EnumerateLines())
        {
            if (line.StartsWith("a=mid:", StringComparison.Ordinal))
            {
                return line[6..].Trim().ToString();
            }
        }

        return null;
    }

    private sealed class PendingRequest(string request, bool awaitsEvent)
    {
        public string Request { get; } = request;

        public bool AwaitsEvent { get; } = awaitsEvent;

        public TaskCompletionSource<JsonElement> Reply { get; } =
            new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
