using System.Text.Json;
using EmsSharp.Load.Signalling;
using EmsSharp.WebRtc;

namespace EmsSharp.Load.Viewers;

/// <summary>
/// A viewer's signalling through <c>ers</c>, as a browser's (PROTOCOL.md §3.3): joins the room with its stream
/// and transport, takes the ems's <c>offer</c> and trickled <c>candidate</c> messages, and sends its
/// <c>answer</c> and candidates back to the ems's peer id with the offer's <c>sid</c>. The socket.io connection
/// stays open for the viewer's life: closing it makes ers <c>remove</c> the viewer, which ends it on the ems.
/// </summary>
internal sealed class ErsViewerSignalling : IViewerSignalling
{
    private readonly HttpClient _http;
    private readonly HttpMessageInvoker _invoker;
    private readonly Uri _ers;
    private readonly string _room;
    private readonly LoadClient _client;
    private readonly TaskCompletionSource<string> _offer = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _lock = new();
    private readonly List<string> _heldCandidates = [];
    private Action<string>? _remoteCandidate;
    private string _sid = string.Empty;

    /// <param name="ers">The ers base address (loopback).</param>
    /// <param name="http">Shared by every viewer of a run (one connection pool).</param>
    /// <param name="invoker">The websocket invoker on the same handler.</param>
    /// <param name="room">The room the ems waits in.</param>
    /// <param name="stream">The stream to ask for (the join's <c>streamName</c>).</param>
    /// <param name="transport"><c>srtp</c> or <c>fmp4</c>.</param>
    public ErsViewerSignalling(Uri ers, HttpClient http, HttpMessageInvoker invoker, string room, string stream, string transport)
    {
        _ers = ers;
        _http = http;
        _invoker = invoker;
        _room = room;
        _client = new LoadClient(isEms: false, relay: null, stream, transport);
        _client.MessageReceived += OnMessage;
    }

    /// <inheritdoc/>
    /// <remarks>Candidates that arrive before a handler is attached are held and handed to the first one.</remarks>
    public event Action<string>? RemoteCandidate
    {
        add
        {
            string[] held;
            lock (_lock)
            {
                _remoteCandidate += value;
                held = [.. _heldCandidates];
                _heldCandidates.Clear();
            }

            foreach (string candidate in held)
            {
                value?.Invoke(candidate);
            }
        }

        remove
        {
            lock (_lock)
            {
                _remoteCandidate -= value;
            }
        }
    }

    /// <inheritdoc/>
    public async Task<string> JoinAsync(CancellationToken cancellationToken)
    {
        await _client.ConnectAsync(_http, _invoker, _ers, cancellationToken).ConfigureAwait(false);
        if (!await _client.JoinAsync(_room, cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidOperationException($"ers refused the join to room \"{_room}\" or the room has no ems");
        }

        return await _offer.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public Task AnswerAsync(string sdp, CancellationToken cancellationToken) =>
        _client.SendToEmsAsync(_sid, "answer", new { type = "answer", sdp }, cancellationToken);

    /// <inheritdoc/>
    public Task SendCandidateAsync(string candidate, CancellationToken cancellationToken) =>
        _client.SendToEmsAsync(_sid, "candidate",
            new { candidate = new { candidate, sdpMid = "0", sdpMLineIndex = 0 } }, cancellationToken);

    /// <inheritdoc/>
    /// <remarks>ers sends <c>turnservers</c> right after the connect, so it is here once the join returned.</remarks>
    public async Task<TurnRelayOptions> GetTcpTurnServerAsync(CancellationToken cancellationToken)
    {
        JsonElement servers = await _client.TurnServers.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (servers.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement entry in servers.EnumerateArray())
            {
                if (IceServerUrl.TryParseTurnStream(entry, allowUntrustedCertificate: false) is { Tls: false } tcp)
                {
                    return tcp;
                }
            }
        }

        throw new InvalidOperationException($"ers handed out no turn:...?transport=tcp server: {servers}");
    }

    public ValueTask DisposeAsync() => _client.DisposeAsync();

    /// <summary>Reads a relayed message (on the socket.io read loop).</summary>
    private void OnMessage(JsonElement message)
    {
        if (!message.TryGetProperty("type", out JsonElement type) || type.ValueKind != JsonValueKind.String
            || !message.TryGetProperty("payload", out JsonElement payload))
        {
            return;
        }

        switch (type.GetString())
        {
            case "offer" when payload.ValueKind == JsonValueKind.Object && payload.TryGetProperty("sdp", out JsonElement sdp)
                && sdp.ValueKind == JsonValueKind.String:
                _sid = message.TryGetProperty("sid", out JsonElement sid) && sid.ValueKind == JsonValueKind.String
                    ? sid.GetString() ?? string.Empty : string.Empty;
                _offer.TrySetResult(sdp.GetString()!);
                break;
            case "candidate" when ReadCandidate(payload) is { } candidate:
                Action<string>? handler;
                lock (_lock)
                {
                    handler = _remoteCandidate;
                    if (handler is null)
                    {
                        _heldCandidates.Add(candidate);
                    }
                }

                handler?.Invoke(candidate);
                break;
            case "connectivityError":
                string reason = payload.ValueKind == JsonValueKind.Object && payload.TryGetProperty("description", out JsonElement d)
                    ? d.ToString() : payload.ToString();
                _offer.TrySetException(new InvalidOperationException("ems: " + reason));
                break;
            default:
                break;
        }
    }

    /// <summary><c>{"candidate":{"candidate":"candidate:..."}}</c> or <c>{"candidate":"candidate:..."}</c>.</summary>
    private static string? ReadCandidate(JsonElement payload)
    {
        if (payload.ValueKind != JsonValueKind.Object || !payload.TryGetProperty("candidate", out JsonElement c))
        {
            return null;
        }

        if (c.ValueKind == JsonValueKind.Object && c.TryGetProperty("candidate", out JsonElement inner))
        {
            c = inner;
        }

        return c.ValueKind == JsonValueKind.String && c.GetString() is { Length: > 0 } text ? text : null;
    }
}
