using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using EmsSharp.Protocols.SocketIo;

namespace EmsSharp.Load.Signalling;

/// <summary>
/// One simulated socket.io rev 1 client (PROTOCOL.md §3): handshake, websocket, <c>1::</c>, heartbeats answered,
/// a <c>join</c> with ack; as an EMS it echoes every <c>message</c> back to its sender, as a browser it sends
/// numbered messages to its room's EMS and records the round trip of each echo (signalling load, with a relay
/// recorder), or hands every <c>message</c> to <see cref="MessageReceived"/> and sends its own (viewer load).
/// </summary>
internal sealed class LoadClient : IAsyncDisposable
{
    private const long JoinAckId = 1;

    /// <summary>503 replies retried before the client counts as refused (about 2 s of retrying).</summary>
    private const int MaxRetries = 20;
    private const int MaxFrameLength = SocketIoFrame.DefaultMaxFrameLength;
    private static readonly byte[] HeartbeatBytes = Encoding.UTF8.GetBytes(SocketIoFrame.Heartbeat.ToString());

    private readonly ClientWebSocket _socket = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<JsonElement> _joinAck = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _allEchoed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<JsonElement> _turnServers = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly bool _isEms;
    private readonly LatencyRecorder? _relay;
    private readonly string _streamName;
    private readonly string _transport;
    private long[] _sentAt = [];
    private int _echoes;
    private Task _reader = Task.CompletedTask;

    /// <param name="isEms">Join as the room's EMS rather than as a browser.</param>
    /// <param name="relay">Where a browser records echo round trips; null for a client that only signals.</param>
    /// <param name="streamName">The browser join's <c>streamName</c>.</param>
    /// <param name="transport">The browser join's <c>transport</c>: <c>fmp4</c> or <c>srtp</c>.</param>
    public LoadClient(bool isEms, LatencyRecorder? relay, string streamName = "load", string transport = "fmp4")
    {
        _isEms = isEms;
        _relay = relay;
        _streamName = streamName;
        _transport = transport;
        _socket.Options.KeepAliveInterval = TimeSpan.Zero;
    }

    /// <summary>
    /// Every <c>message</c> event's argument (PROTOCOL.md §3.2), raised on the read loop in arrival order: handlers
    /// must not block.
    /// </summary>
    public event Action<JsonElement>? MessageReceived;

    public string Sid { get; private set; } = string.Empty;

    /// <summary>The <c>turnservers</c> list the server hands out after the connect (PROTOCOL.md §3.2).</summary>
    public Task<JsonElement> TurnServers => _turnServers.Task;

    /// <summary>The room's EMS peer id, from the browser's join ack.</summary>
    public string? EmsId { get; private set; }

    public int Echoes => Volatile.Read(ref _echoes);

    public int Heartbeats { get; private set; }

    public int MessagesRelayed { get; private set; }

    /// <summary>Handshakes refused with 503 and retried.</summary>
    public int Retries { get; private set; }

    /// <summary>Handshake (HTTP) + websocket + <c>1::</c>.</summary>
    public async Task ConnectAsync(HttpClient http, HttpMessageInvoker invoker, Uri baseUri, CancellationToken token)
    {
        while (true)
        {
            // socket.io-spec "Handshake": GET /socket.io/1/ answers sid:heartbeat:close:transports.
            using HttpResponseMessage response = await http.GetAsync(
                new Uri(baseUri, $"socket.io/1/?t={Stopwatch.GetTimestamp()}"), token).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable && Retries < MaxRetries)
            {
                // The server's rate limit asks the client to retry; a browser's socket.io would too.
                Retries++;
                await Task.Delay(TimeSpan.FromMilliseconds(100), token).ConfigureAwait(false);
                continue;
            }

            response.EnsureSuccessStatusCode();
            string body = await response.Content.ReadAsStringAsync(token).ConfigureAwait(false);
            int colon = body.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || !body.Contains("websocket", StringComparison.Ordinal))
            {
                throw new InvalidDataException($"Bad handshake reply: {body}");
            }

            Sid = body[..colon];
            break;
        }

        UriBuilder ws = new(baseUri) { Scheme = baseUri.Scheme == "https" ? "wss" : "ws", Path = $"socket.io/1/websocket/{Sid}" };
        await _socket.ConnectAsync(ws.Uri, invoker, token).ConfigureAwait(false);
        _reader = ReadLoopAsync(token);
        await _connected.Task.WaitAsync(token).ConfigureAwait(false);
    }

    /// <summary>Joins <paramref name="room"/> (browser or EMS form, PROTOCOL.md §3.2); true when the ack has no error.</summary>
    public async Task<bool> JoinAsync(string room, CancellationToken token)
    {
        JsonElement options = _isEms
            ? JsonSerializer.SerializeToElement(new { role = "ems", token = string.Empty, name = "ems-load" })
            : JsonSerializer.SerializeToElement(new { token = string.Empty, streamName = _streamName, transport = _transport });
        await SendAsync(SocketIoPayload.EventFrame("join", JoinAckId, JsonSerializer.SerializeToElement(room), options), token)
            .ConfigureAwait(false);
        JsonElement args = await _joinAck.Task.WaitAsync(token).ConfigureAwait(false);
        if (args.GetArrayLength() < 2 || args[0].ValueKind != JsonValueKind.Null)
        {
            return false;
        }

        if (!_isEms)
        {
            if (!args[1].TryGetProperty("clients", out JsonElement clients))
            {
                return false;
            }

            foreach (JsonProperty peer in clients.EnumerateObject())
            {
                EmsId = peer.Name;
            }

            return EmsId is not null;
        }

        return true;
    }

    /// <summary>Sends <paramref name="count"/> messages to the EMS, evenly over <paramref name="span"/>, first at <paramref name="offset"/>.</summary>
    public async Task SendMessagesAsync(int count, TimeSpan span, TimeSpan offset, CancellationToken token)
    {
        _sentAt = new long[count];
        if (count == 0)
        {
            _allEchoed.TrySetResult();
            return;
        }

        TimeSpan interval = span / count;
        long start = Stopwatch.GetTimestamp();
        for (int seq = 0; seq < count; seq++)
        {
            TimeSpan due = offset + (interval * seq) - Stopwatch.GetElapsedTime(start);
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due, token).ConfigureAwait(false);
            }

            Volatile.Write(ref _sentAt[seq], Stopwatch.GetTimestamp());
            await SendMessageAsync(EmsId!, Sid, "candidate", new RelayPayload(seq), token).ConfigureAwait(false);
        }
    }

    /// <summary>Sends a <c>message</c> (PROTOCOL.md §3.2) of <paramref name="type"/> to the room's EMS.</summary>
    public Task SendToEmsAsync<TPayload>(string sid, string type, TPayload payload, CancellationToken token) =>
        SendMessageAsync(EmsId ?? throw new InvalidOperationException("Not joined to a room with an EMS."), sid, type, payload, token);

    /// <summary>Completes when every sent message came back (or the token fires).</summary>
    public Task WaitEchoesAsync(CancellationToken token) => _allEchoed.Task.WaitAsync(token);

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(5));
            try
            {
                await SendAsync(SocketIoFrame.Disconnect, timeout.Token).ConfigureAwait(false);
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token).ConfigureAwait(false);
                await _reader.WaitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException or TimeoutException)
            {
            }
        }

        _socket.Abort();
        _socket.Dispose();
        _sendLock.Dispose();
    }

    private Task SendMessageAsync<TPayload>(string to, string sid, string type, TPayload payload, CancellationToken token) =>
        SendAsync(SocketIoPayload.EventFrame("message", null,
            JsonSerializer.SerializeToElement(new RelayMessage<TPayload>(to, sid, type, payload))), token);

    private async Task SendAsync(SocketIoFrame frame, CancellationToken token)
    {
        byte[] bytes = ArrayPool<byte>.Shared.Rent(frame.GetSerializedLength());
        try
        {
            frame.TryWrite(bytes, out int written);
            await SendBytesAsync(bytes.AsMemory(0, written), token).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    private async Task SendBytesAsync(ReadOnlyMemory<byte> bytes, CancellationToken token)
    {
        await _sendLock.WaitAsync(token).ConfigureAwait(false);
        try
        {
            await _socket.SendAsync(bytes, WebSocketMessageType.Text, true, token).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async Task ReadLoopAsync(CancellationToken token)
    {
        byte[] buffer = new byte[1024];
        try
        {
            while (true)
            {
                int count = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (count == buffer.Length)
                    {
                        if (buffer.Length >= MaxFrameLength)
                        {
                            throw new InvalidDataException("frame over the limit");
                        }

                        Array.Resize(ref buffer, buffer.Length * 2);
                    }

                    result = await _socket.ReceiveAsync(buffer.AsMemory(count), token).ConfigureAwait(false);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        return;
                    }

                    count += result.Count;
                }
                while (!result.EndOfMessage);

                if (!SocketIoFrame.TryRead(buffer.AsSpan(0, count), MaxFrameLength, out SocketIoFrame frame, out _))
                {
                    throw new InvalidDataException("malformed frame from the server");
                }

                await HandleFrameAsync(frame, token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or InvalidDataException)
        {
            _connected.TrySetException(e);
            _joinAck.TrySetException(e);
        }
        finally
        {
            _connected.TrySetException(new WebSocketException("closed"));
            _joinAck.TrySetException(new WebSocketException("closed"));
            _allEchoed.TrySetException(new WebSocketException("closed"));
        }
    }

    private async Task HandleFrameAsync(SocketIoFrame frame, CancellationToken token)
    {
        switch (frame.Type)
        {
            case SocketIoFrameType.Connect:
                _connected.TrySetResult();
                break;
            case SocketIoFrameType.Heartbeat:
                // socket.io-spec "(2) Heartbeat": echo the server's heartbeat.
                Heartbeats++;
                await SendBytesAsync(HeartbeatBytes, token).ConfigureAwait(false);
                break;
            case SocketIoFrameType.Ack:
                if (SocketIoPayload.TryParseAck(frame.Data, out long id, out JsonElement ackArgs) && id == JoinAckId)
                {
                    _joinAck.TrySetResult(ackArgs);
                }

                break;
            case SocketIoFrameType.Event:
                if (SocketIoPayload.TryParseEvent(frame.Data, out string name, out JsonElement args) && args.GetArrayLength() > 0)
                {
                    if (name == "message")
                    {
                        await OnMessageAsync(args[0], token).ConfigureAwait(false);
                    }
                    else if (name == "turnservers")
                    {
                        _turnServers.TrySetResult(args[0].Clone());
                    }
                }

                break;
            case SocketIoFrameType.Error:
                throw new InvalidDataException($"server error frame {frame.Data}");
            case SocketIoFrameType.Disconnect:
            case SocketIoFrameType.Message:
            case SocketIoFrameType.JsonMessage:
            case SocketIoFrameType.Noop:
            default:
                break;
        }
    }

    private async Task OnMessageAsync(JsonElement message, CancellationToken token)
    {
        MessageReceived?.Invoke(message);
        if (_relay is null || !message.TryGetProperty("from", out JsonElement from) || !message.TryGetProperty("payload", out JsonElement payload)
            || !payload.TryGetProperty("seq", out JsonElement seqElement) || !seqElement.TryGetInt32(out int seq))
        {
            return;
        }

        if (_isEms)
        {
            // The EMS side echoes: the same payload back to its sender.
            MessagesRelayed++;
            await SendMessageAsync(from.GetString() ?? string.Empty, Sid, "answer", new RelayPayload(seq), token).ConfigureAwait(false);
            return;
        }

        long[] sentAt = _sentAt;
        if ((uint)seq < (uint)sentAt.Length && Volatile.Read(ref sentAt[seq]) is long sent and not 0)
        {
            _relay.Add(Stopwatch.GetTimestamp() - sent);
            if (Interlocked.Increment(ref _echoes) == sentAt.Length)
            {
                _allEchoed.TrySetResult();
            }
        }
    }
}
