using System.Globalization;
using System.Net.Security;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using EmsSharp.Protocols.SocketIo;

namespace EmsSharp.Server.Delivery.Ers;

/// <summary>One connection: handshake, websocket, join, receive loop.</summary>
public sealed partial class ErsClient
{
    private const long JoinAckId = 1;

    private async Task<(ErsClientStatus, string)> RunSessionAsync(CancellationToken token)
    {
        (string sid, TimeSpan heartbeatTimeout) = await HandshakeAsync(token).ConfigureAwait(false);
        using ClientWebSocket socket = new();
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        if (Options.AllowUntrustedCertificate)
        {
            socket.Options.RemoteCertificateValidationCallback = AcceptAny;
        }

        Uri uri = new(string.Create(CultureInfo.InvariantCulture,
            $"{(Options.OverSsl ? "wss" : "ws")}://{ErsName}/socket.io/1/websocket/{sid}"));
        using (CancellationTokenSource connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(token))
        {
            connectTimeout.CancelAfter(Options.ConnectTimeout);
            await socket.ConnectAsync(uri, connectTimeout.Token).ConfigureAwait(false);
        }

        _socket = socket;
        Volatile.Write(ref _peerId, sid);
        try
        {
            return await ReceiveLoopAsync(socket, heartbeatTimeout, token).ConfigureAwait(false);
        }
        finally
        {
            _socket = null;
            await _sendLock.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            _sendLock.Release();
            socket.Abort();
        }
    }

    // socket.io-spec "Handshake": GET /socket.io/1/?t=<ms> -> "sid:heartbeat timeout:close timeout:transports".
    private async Task<(string Sid, TimeSpan HeartbeatTimeout)> HandshakeAsync(CancellationToken token)
    {
        using SocketsHttpHandler handler = new() { ConnectTimeout = Options.ConnectTimeout };
        if (Options.AllowUntrustedCertificate)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = AcceptAny;
        }

        using HttpClient http = new(handler) { Timeout = Options.ConnectTimeout };
        long t = _time.GetUtcNow().ToUnixTimeMilliseconds();
        Uri uri = new(string.Create(CultureInfo.InvariantCulture,
            $"{(Options.OverSsl ? "https" : "http")}://{ErsName}/socket.io/1/?t={t}"));
        using HttpResponseMessage response = await http.GetAsync(uri, token).ConfigureAwait(false);
        string body = await response.Content.ReadAsStringAsync(token).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                $"handshake refused: HTTP {(int)response.StatusCode} {body}"));
        }

        string[] parts = body.Split(':');
        if (parts.Length < 4 || parts[0].Length is 0 or > 128
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int heartbeat))
        {
            throw new InvalidDataException("handshake reply is not sid:heartbeat:close:transports");
        }

        if (Array.IndexOf(parts[3].Split(','), "websocket") < 0)
        {
            throw new InvalidDataException($"the ERS does not offer the websocket transport ({parts[3]})");
        }

        return (parts[0], heartbeat > 0 ? TimeSpan.FromSeconds(heartbeat) : Timeout.InfiniteTimeSpan);
    }

    private async Task<(ErsClientStatus, string)> ReceiveLoopAsync(ClientWebSocket socket, TimeSpan heartbeatTimeout, CancellationToken token)
    {
        // socket.io-client 0.9 closes when nothing arrived within the heartbeat timeout; so do we.
        using CancellationTokenSource silence = new(heartbeatTimeout, _time);
        using CancellationTokenSource linked = CancellationTokenSource.CreateLinkedTokenSource(token, silence.Token);
        byte[] buffer = new byte[Options.MaxFrameLength];
        while (true)
        {
            int count = 0;
            ValueWebSocketReceiveResult result;
            do
            {
                if (count == buffer.Length)
                {
                    return (ErsClientStatus.Disconnected, "frame from the ERS too large");
                }

                try
                {
                    result = await socket.ReceiveAsync(buffer.AsMemory(count), linked.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (silence.IsCancellationRequested && !token.IsCancellationRequested)
                {
                    return (ErsClientStatus.Disconnected, "heartbeat timeout");
                }

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return (ErsClientStatus.Disconnected, "closed by the ERS");
                }

                count += result.Count;
            }
            while (!result.EndOfMessage);

            silence.CancelAfter(heartbeatTimeout);
            if (!SocketIoFrame.TryRead(buffer.AsSpan(0, count), buffer.Length, out SocketIoFrame frame, out _))
            {
                ErsClientLog.Malformed(_logger, ErsName, Options.RoomId);
                continue;
            }

            if (await HandleFrameAsync(frame, token).ConfigureAwait(false) is { } end)
            {
                return end;
            }
        }
    }

    /// <summary>Handles one frame; a non-null result ends the session.</summary>
    private async ValueTask<(ErsClientStatus, string)?> HandleFrameAsync(SocketIoFrame frame, CancellationToken token)
    {
        switch (frame.Type)
        {
            case SocketIoFrameType.Connect when frame.Endpoint.Length == 0:
                // PROTOCOL.md §3.2: join as the room's EMS, asking for an ack; instance is ours (an ERS ignores what it
                // does not know) and lets a clustered ERS hand this EMS its own room back through another node.
                JsonElement joinOptions = JsonSerializer.SerializeToElement(new JsonObject
                {
                    ["role"] = "ems",
                    ["token"] = Options.Token,
                    ["name"] = Options.Name,
                    ["instance"] = Instance,
                });
                await SendFrameAsync(
                    SocketIoPayload.EventFrame("join", JoinAckId, JsonSerializer.SerializeToElement(Options.RoomId), joinOptions),
                    token).ConfigureAwait(false);
                return null;
            case SocketIoFrameType.Heartbeat:
                // socket.io-spec "(2) Heartbeat": echo the server's heartbeat.
                await SendFrameAsync(SocketIoFrame.Heartbeat, token).ConfigureAwait(false);
                return null;
            case SocketIoFrameType.Event:
                if (SocketIoPayload.TryParseEvent(frame.Data, out string name, out JsonElement args))
                {
                    HandleEvent(name, args);
                }

                return null;
            case SocketIoFrameType.JsonMessage:
                if (SocketIoPayload.TryParseJson(frame.Data, out JsonElement message))
                {
                    RaiseMessage(message);
                }

                return null;
            case SocketIoFrameType.Ack:
                return await HandleAckAsync(frame, token).ConfigureAwait(false);
            case SocketIoFrameType.Disconnect when frame.Endpoint.Length == 0:
                return (ErsClientStatus.Disconnected, "disconnected by the ERS");
            case SocketIoFrameType.Error:
                return (ErsClientStatus.Disconnected, $"ERS error {frame.Data}");
            default:
                return null;
        }
    }

    private async ValueTask<(ErsClientStatus, string)?> HandleAckAsync(SocketIoFrame frame, CancellationToken token)
    {
        if (!SocketIoPayload.TryParseAck(frame.Data, out long id, out JsonElement args) || id != JoinAckId)
        {
            return null;
        }

        JsonElement error = args.GetArrayLength() > 0 ? args[0] : default;
        if (error.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
        {
            _joined = true;
            SetStatus(ErsClientStatus.Joined, $"joined room {Options.RoomId} as {PeerId}");
            return null;
        }

        // Refused: leave the socket cleanly; the run loop reports the reason and retries with keepAlive.
        string reason = error.ValueKind == JsonValueKind.String ? error.GetString() ?? "refused" : error.GetRawText();
        await SendFrameAsync(SocketIoFrame.Disconnect, token).ConfigureAwait(false);
        return (ErsClientStatus.Refused, reason);
    }

    private void HandleEvent(string name, JsonElement args)
    {
        JsonElement arg = args.GetArrayLength() > 0 ? args[0] : default;
        switch (name)
        {
            case "stunservers":
                Volatile.Write(ref _stunServers, ToList(arg));
                break;
            case "turnservers":
                Volatile.Write(ref _turnServers, ToList(arg));
                break;
            case "clientJoined" when arg.ValueKind == JsonValueKind.Object:
                string id = GetString(arg, "id");
                if (id.Length > 0)
                {
                    var offers = arg.TryGetProperty("offers", out var o) && o.ValueKind == JsonValueKind.True;
                    Raise(ClientJoined, new ErsClientJoinedEventArgs(id, GetString(arg, "streamName"), GetString(arg, "transport"), offers));
                }

                break;
            case "message":
                RaiseMessage(arg);
                break;
            case "messageRefused" when arg.ValueKind == JsonValueKind.Object:
                // The ERS refused a message of ours to a peer whose outbox share we filled (ours; the ers tells the sender).
                ErsClientLog.MessageRefused(_logger, ErsName, Options.RoomId, GetString(arg, "type"), GetString(arg, "to"), GetString(arg, "reason"));
                break;
            case "remove" when arg.ValueKind == JsonValueKind.Object:
                string removed = GetString(arg, "id");
                if (removed.Length > 0)
                {
                    Raise(PeerRemoved, new ErsPeerRemovedEventArgs(removed));
                }

                break;
            default:
                break;
        }
    }

    private void RaiseMessage(JsonElement message)
    {
        if (message.ValueKind == JsonValueKind.Object)
        {
            Raise(MessageReceived, new ErsMessageEventArgs(GetString(message, "from"), message));
        }
    }

    private static List<JsonElement> ToList(JsonElement array)
    {
        List<JsonElement> list = [];
        if (array.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement entry in array.EnumerateArray())
            {
                list.Add(entry);
            }
        }

        return list;
    }

    private static string GetString(JsonElement element, string name) =>
        element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String
            ? value.GetString() ?? string.Empty
            : string.Empty;

    private static bool AcceptAny(object sender, System.Security.Cryptography.X509Certificates.X509Certificate? certificate,
        System.Security.Cryptography.X509Certificates.X509Chain? chain, SslPolicyErrors errors) => true;
}
