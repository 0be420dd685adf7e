using System.Buffers;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using EmsSharp.Protocols.SocketIo;
using EmsSharp.Rendezvous.Configuration;
using EmsSharp.Rendezvous.Rooms;

namespace EmsSharp.Rendezvous.SocketIo;

/// <summary>
/// Drives one socket.io rev 1 websocket: a read loop (frames in), a write loop (a bounded outbox), and a
/// heartbeat loop over the sans-IO <see cref="SocketIoHeartbeat"/>. Events go to the <see cref="RoomRegistry"/>.
/// </summary>
internal sealed class ErsConnection : IRoomPeer
{
    /// <summary>First size of the read buffer; most frames (joins, candidates, heartbeats) fit.</summary>
    internal const int InitialReadBufferLength = 4096;

    private readonly RoomRegistry _rooms;
    private readonly ErsOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _ip;
    private readonly Channel<(string Text, string? Sender)> _outbox;
    private readonly OutboxBudget _budget;
    private readonly SocketIoHeartbeat _heartbeat;
    private readonly TokenBucket _eventBucket;
    private readonly TokenBucket _eventByteBucket;
    private readonly long _origin;
    private readonly CancellationTokenSource _cts;

    public ErsConnection(string id, IPAddress ip, RoomRegistry rooms, ErsOptions options, TimeProvider time, ILogger logger, CancellationToken cancellationToken)
    {
        Id = id;
        _ip = ip.ToString();
        _rooms = rooms;
        _options = options;
        _time = time;
        _logger = logger;
        _origin = time.GetTimestamp();
        _cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // Bounded in bytes by the budget, not in frames: 1,024 frames of up to 64 KiB let one slow socket hold ~147 MB.
        _outbox = Channel.CreateUnbounded<(string, string?)>(new UnboundedChannelOptions { SingleReader = true });
        _budget = new OutboxBudget(options.Limits);
        ErsServerOptions server = options.Server;
        _heartbeat = new SocketIoHeartbeat(
            TimeSpan.FromSeconds(server.HeartbeatInterval), TimeSpan.FromSeconds(server.CloseTimeout), TimeSpan.Zero);
        _eventBucket = new TokenBucket(options.Limits.EventsPerSecond, options.Limits.EventBurst, TimeSpan.Zero);
        _eventByteBucket = new TokenBucket(options.Limits.EventBytesPerSecond, options.Limits.EventByteBurst, TimeSpan.Zero);
    }

    public string Id { get; }

    public string? RoomName { get; set; }

    public bool IsEms { get; set; }

    public string StreamName { get; set; } = string.Empty;

    public string Transport { get; set; } = string.Empty;

    private TimeSpan Now => _time.GetElapsedTime(_origin);

    public bool TrySendEvent(string name, JsonElement arg) => TrySend(SocketIoPayload.EventFrame(name, null, arg));

    public OutboxAdmission TryRelay(string senderId, JsonElement message) =>
        Enqueue(SocketIoPayload.EventFrame("message", null, message).ToString(), senderId);

    /// <summary>Runs the socket until it closes, the peer goes silent or the host stops.</summary>
    public async Task RunAsync(WebSocket socket, JsonElement stunServers, JsonElement turnServers)
    {
        CancellationToken token = _cts.Token;
        Task writer = WriteLoopAsync(socket, token);
        Task heartbeat = HeartbeatLoopAsync(token);

        // socket.io-spec "(1) Connect": the server sends 1:: once the transport is open; PROTOCOL.md §3.2
        // then hands out the ICE server lists.
        TrySend(SocketIoFrame.Connect);
        TrySendEvent("stunservers", stunServers);
        TrySendEvent("turnservers", turnServers);
        try
        {
            await ReadLoopAsync(socket, token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        catch (WebSocketException)
        {
        }
        finally
        {
            _rooms.Leave(this);
            _outbox.Writer.TryComplete();
            await _cts.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(writer, heartbeat).ConfigureAwait(false);
            await CloseGracefullyAsync(socket).ConfigureAwait(false);
            _cts.Dispose();
        }
    }

    private async Task CloseGracefullyAsync(WebSocket socket)
    {
        // Answer a client's close; anything else (timeouts, errors, host stop) is cut at once.
        if (socket.State == WebSocketState.CloseReceived)
        {
            using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(1));
            try
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException)
            {
            }
        }

        socket.Abort();
    }

    private bool TrySend(SocketIoFrame frame)
    {
        OutboxAdmission admission = Enqueue(frame.ToString(), null);
        if (admission == OutboxAdmission.Full && !_cts.IsCancellationRequested)
        {
            // Relayed traffic never fills the outbox (OutboxBudget): the server's own frames not fitting means
            // this socket itself stopped reading.
            ErsLog.SlowConsumer(_logger, Id, _ip, _options.Limits.MaxQueuedBytes);
            Disconnect();
        }

        return admission == OutboxAdmission.Accepted;
    }

    private OutboxAdmission Enqueue(string text, string? sender)
    {
        long cost = OutboxBudget.Cost(text);
        lock (_budget)
        {
            OutboxAdmission admission = _budget.Admit(sender, cost);
            if (admission != OutboxAdmission.Accepted)
            {
                return admission;
            }

            if (_outbox.Writer.TryWrite((text, sender)))
            {
                return OutboxAdmission.Accepted;
            }

            _budget.Release(sender, cost);
            return OutboxAdmission.Closed;
        }
    }

    public void Disconnect()
    {
        try
        {
            _cts.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private async Task ReadLoopAsync(WebSocket socket, CancellationToken token)
    {
        // The buffer starts small and grows up to MaxFrameLength only for a socket that sends a big frame:
        // allocating the maximum up front cost 64 KiB per idle socket (docs/BENCHMARKS.md, "Signalling").
        int max = _options.Limits.MaxFrameLength;
        byte[] buffer = new byte[Math.Min(InitialReadBufferLength, max)];
        while (true)
        {
            int count = 0;
            ValueWebSocketReceiveResult result;
            do
            {
                if (count == buffer.Length)
                {
                    if (count == max)
                    {
                        ErsLog.FrameTooLarge(_logger, Id, _ip, max);
                        return;
                    }

                    Array.Resize(ref buffer, Math.Min(buffer.Length * 2, max));
                }

                result = await socket.ReceiveAsync(buffer.AsMemory(count), token).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                count += result.Count;
            }
            while (!result.EndOfMessage);

            lock (_heartbeat)
            {
                _heartbeat.OnReceived(Now);
            }

            if (result.MessageType != WebSocketMessageType.Text
                || !SocketIoFrame.TryRead(buffer.AsSpan(0, count), max, out SocketIoFrame frame, out _))
            {
                ErsLog.MalformedFrame(_logger, Id, _ip);
                return;
            }

            if (!await HandleFrameAsync(frame, count, token).ConfigureAwait(false))
            {
                return;
            }
        }
    }

    /// <summary>Handles one frame of <paramref name="length"/> bytes; false ends the connection.</summary>
    private async ValueTask<bool> HandleFrameAsync(SocketIoFrame frame, int length, CancellationToken token)
    {
        switch (frame.Type)
        {
            case SocketIoFrameType.Disconnect:
                return frame.Endpoint.Length != 0;
            case SocketIoFrameType.Event:
            case SocketIoFrameType.JsonMessage:
                // Rate limits, in events and in bytes: excess is delayed (reading stops), never dropped or locked out.
                TimeSpan now = Now;
                TimeSpan events = _eventBucket.Reserve(now);
                TimeSpan bytes = _eventByteBucket.Reserve(now, length);
                TimeSpan wait = events > bytes ? events : bytes;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, _time, token).ConfigureAwait(false);
                }

                return frame.Type == SocketIoFrameType.Event
                    ? await HandleEventAsync(frame).ConfigureAwait(false)
                    : await HandleJsonMessageAsync(frame).ConfigureAwait(false);
            case SocketIoFrameType.Connect:
            case SocketIoFrameType.Heartbeat:
            case SocketIoFrameType.Message:
            case SocketIoFrameType.Ack:
            case SocketIoFrameType.Error:
            case SocketIoFrameType.Noop:
                return true;
            default:
                return false;
        }
    }

    private async ValueTask<bool> HandleJsonMessageAsync(SocketIoFrame frame)
    {
        if (!SocketIoPayload.TryParseJson(frame.Data, out JsonElement message))
        {
            ErsLog.MalformedFrame(_logger, Id, _ip);
            return false;
        }

        await RelayAsync(message).ConfigureAwait(false);
        return true;
    }

    private async ValueTask<bool> HandleEventAsync(SocketIoFrame frame)
    {
        if (!SocketIoPayload.TryParseEvent(frame.Data, out string name, out JsonElement args))
        {
            ErsLog.MalformedFrame(_logger, Id, _ip);
            return false;
        }

        int argc = args.GetArrayLength();
        switch (name)
        {
            case "join":
                string? room = argc > 0 && args[0].ValueKind == JsonValueKind.String ? args[0].GetString() : null;
                JsonElement options = argc > 1 ? args[1] : default;
                (JsonElement error, JsonElement data) = await _rooms.JoinAsync(this, room, options).ConfigureAwait(false);
                ErsLog.Joined(_logger, Id, room ?? "(none)", options.ValueKind == JsonValueKind.Object
                    && options.TryGetProperty("role", out JsonElement role) && role.ValueKind == JsonValueKind.String
                    ? role.GetString() ?? "browser" : "browser", error.ValueKind == JsonValueKind.Null ? "ok" : error.ToString());
                Ack(frame, error, data);
                break;
            case "message":
                string? refused = argc > 0 ? await RelayAsync(args[0]).ConfigureAwait(false) : null;
                if (refused is null)
                {
                    Ack(frame);
                }
                else
                {
                    Ack(frame, JsonSerializer.SerializeToElement(refused));
                }

                break;
            case "leave":
                _rooms.Leave(this);
                Ack(frame);
                break;
            case "emsLoad":
                if (_rooms.ReportLoad(this, argc > 0 ? args[0] : default) is { } bad)
                {
                    ErsLog.BadEmsLoad(_logger, Id, _ip, bad);
                }

                Ack(frame);
                break;
            default:
                Ack(frame);
                break;
        }

        return true;
    }

    /// <summary>Relays a message; returns why it was refused for being too much (the sender is told), else null.</summary>
    private async ValueTask<string?> RelayAsync(JsonElement message)
    {
        OutboxAdmission? admission = await _rooms.RelayAsync(this, message).ConfigureAwait(false);
        if (admission == OutboxAdmission.Accepted)
        {
            return null;
        }

        string to = message.ValueKind == JsonValueKind.Object && message.TryGetProperty("to", out JsonElement t)
            ? t.ToString() : "(none)";
        string? reason = admission switch
        {
            OutboxAdmission.SenderOverBudget => "too much from you is still waiting for this peer: message dropped, slow down",
            OutboxAdmission.ReceiverBusy => "this peer is not keeping up: message dropped, slow down",
            _ => null,
        };
        if (reason is null)
        {
            ErsLog.NotRelayed(_logger, Id, to);
            return null;
        }

        // Ours: the flooder, not the receiver, pays; it hears why (socket.io event messageRefused).
        ErsLog.RelayThrottled(_logger, Id, to, reason);
        TrySendEvent("messageRefused", JsonSerializer.SerializeToElement(new Dictionary<string, string?>
        {
            ["to"] = to,
            ["type"] = message.TryGetProperty("type", out JsonElement type) ? type.ToString() : null,
            ["reason"] = reason,
        }));
        return reason;
    }

    // socket.io-spec "(6) ACK": an id with '+' wants the ack with data; a bare id is acked without.
    private void Ack(SocketIoFrame frame, params ReadOnlySpan<JsonElement> args)
    {
        if (frame.Id is not { } id)
        {
            return;
        }

        TrySend(frame.AckWithData
            ? SocketIoPayload.AckFrame(id, args)
            : new SocketIoFrame(SocketIoFrameType.Ack, null, false, string.Empty, id.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    private async Task WriteLoopAsync(WebSocket socket, CancellationToken token)
    {
        try
        {
            while (await _outbox.Reader.WaitToReadAsync(token).ConfigureAwait(false))
            {
                while (_outbox.Reader.TryRead(out (string Text, string? Sender) frame))
                {
                    // A pooled buffer per frame: an idle socket holds no send buffer of its own.
                    byte[] buffer = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(frame.Text.Length));
                    try
                    {
                        int n = Encoding.UTF8.GetBytes(frame.Text, buffer);
                        await socket.SendAsync(buffer.AsMemory(0, n), WebSocketMessageType.Text, true, token).ConfigureAwait(false);
                    }
                    finally
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        lock (_budget)
                        {
                            _budget.Release(frame.Sender, OutboxBudget.Cost(frame.Text));
                        }
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (WebSocketException)
        {
            Disconnect();
        }
    }

    private async Task HeartbeatLoopAsync(CancellationToken token)
    {
        try
        {
            while (!token.IsCancellationRequested)
            {
                TimeSpan next;
                lock (_heartbeat)
                {
                    next = _heartbeat.NextTimeout;
                }

                TimeSpan wait = next - Now;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, _time, token).ConfigureAwait(false);
                }

                SocketIoHeartbeatAction action;
                lock (_heartbeat)
                {
                    action = _heartbeat.HandleTimeout(Now);
                }

                switch (action)
                {
                    case SocketIoHeartbeatAction.SendHeartbeat:
                        TrySend(SocketIoFrame.Heartbeat);
                        break;
                    case SocketIoHeartbeatAction.Close:
                        ErsLog.HeartbeatTimeout(_logger, Id, _ip);
                        Disconnect();
                        return;
                    case SocketIoHeartbeatAction.None:
                        break;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
