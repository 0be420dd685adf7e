using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using EmsSharp.Protocols.Net;
using EmsSharp.Server.Delivery.WebRtc;
using EmsSharp.WebRtc;
using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Delivery.Whep;

/// <summary>
/// The WHEP sessions of the ems's own listener: one <see cref="ViewerSession"/> each, which answers the player's offer.
/// The exchange is one HTTP request, so the session's answer (or its <c>connectivityError</c>) completes the request's
/// <see cref="WhepOutcome"/>; candidates found after the answer are not sent (WHEP has no way to the player).
/// </summary>
internal sealed partial class WhepRoom : IViewerRoom, IAsyncDisposable
{
    /// <summary>The <c>roomId</c> of WHEP viewers in events and outbound stream entries.</summary>
    public const string Name = "whep";

    private readonly ViewerSessions<Entry> _sessions;
    private readonly AddressSlots _slots;
    private readonly ILogger _logger;
    private readonly JsonElement[] _iceServers;

    public WhepRoom(ViewerResources resources, IOptions<WhepOptions> options)
    {
        Resources = resources;
        _slots = new AddressSlots(options.Value.MaxSessionsPerAddress, options.Value.MaxSessions);
        _logger = resources.LoggerFactory.CreateLogger<WhepRoom>();
        _sessions = new ViewerSessions<Entry>(static entry => entry.Viewer, entry => CloseAsync(entry.Viewer));
        _iceServers = [.. options.Value.IceServers.Select(static s => JsonSerializer.SerializeToElement(new JsonObject { ["url"] = s.Url }))];
    }

    public ViewerResources Resources { get; }

    public string RoomId => Name;

    public long? ConfigId => null;

    public IEnumerable<JsonElement> IceServers => _iceServers;

    /// <summary>
    /// Starts a session for <paramref name="stream"/> that answers <paramref name="offer"/>; the outcome is its answer,
    /// or why there is none. <see cref="AddressSlotRefusal"/> says which cap refused it, if one did (no session then).
    /// </summary>
    public Task<WhepOutcome> OfferAsync(string stream, string offer, IPAddress address, out AddressSlotRefusal refusal, out string id)
    {
        id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        if (!_slots.TryTake(address, out refusal))
            return Task.FromResult(new WhepOutcome(false, null, null));
        var viewer = new ViewerSession(this, id, stream, "srtp", offers: true, Resources.LoggerFactory.CreateLogger<ViewerSession>());
        var entry = new Entry(viewer, address);
        if (!_sessions.TryAdd(entry))
        {
            _slots.Release(address);
            refusal = AddressSlotRefusal.Total; // stopping
            return Task.FromResult(new WhepOutcome(false, null, null));
        }

        LogSession(_logger, id, stream, address);
        viewer.Start();
        viewer.HandleMessage("offer", JsonSerializer.SerializeToElement(new JsonObject { ["type"] = "offer", ["sdp"] = offer }));
        return entry.Outcome.Task;
    }

    /// <summary>The session <paramref name="id"/>, if it lives.</summary>
    public ViewerSession? Find(string id) => _sessions.Find(id)?.Viewer;

    public Task<TurnRelay?> GetRelayAsync() => Task.FromResult<TurnRelay?>(null);

    public Task<bool> SendAsync(ViewerSession viewer, string type, JsonObject payload, CancellationToken token)
    {
        var entry = _sessions.Find(viewer.PeerId);
        switch (type)
        {
            case "answer":
                entry?.Outcome.TrySetResult(new WhepOutcome(true, payload["sdp"]?.GetValue<string>(), null));
                break;
            case "connectivityError":
                entry?.Outcome.TrySetResult(new WhepOutcome(false, payload["description"]?.GetValue<string>(), payload["reason"]?.GetValue<string>()));
                break;
            default:
                break; // a candidate after the answer: WHEP has no path to the player for it
        }

        return Task.FromResult(entry is not null);
    }

    public void Publish(string type, ViewerSession viewer, string? reason)
    {
        var payload = new JsonObject
        {
            ["roomId"] = Name,
            ["peerId"] = viewer.PeerId,
            ["streamName"] = viewer.StreamName,
            ["transport"] = viewer.Transport,
        };
        if (reason is not null)
            payload["reason"] = reason;
        Resources.Events.Publish(type, payload);
    }

    public void Remove(ViewerSession viewer)
    {
        if (!_sessions.TryRemove(viewer, out var entry))
            return;
        _slots.Release(entry!.Address);
        entry.Outcome.TrySetResult(new WhepOutcome(false, "the session closed before it answered", ViewerRefusal.Failed));
    }

    public async ValueTask DisposeAsync()
    {
        // A request still waiting for its answer is told first.
        foreach (var entry in _sessions.Snapshot())
            entry.Outcome.TrySetResult(new WhepOutcome(false, "the server is stopping", ViewerRefusal.Unavailable));
        await _sessions.CloseAllAsync().ConfigureAwait(false);
    }

    private async Task CloseAsync(ViewerSession viewer)
    {
        await viewer.DisposeAsync().ConfigureAwait(false);
        Publish(Events.EventTypes.WebRtcPeerDisconnected, viewer, null);
        LogClosed(_logger, viewer.PeerId);
    }

    private sealed class Entry(ViewerSession viewer, IPAddress address)
    {
        public ViewerSession Viewer { get; } = viewer;

        public IPAddress Address { get; } = address;

        public TaskCompletionSource<WhepOutcome> Outcome { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "WHEP session {Id} for stream {Stream} from {Address}")]
    private static partial void LogSession(ILogger logger, string id, string stream, IPAddress address);

    [LoggerMessage(Level = LogLevel.Information, Message = "WHEP session {Id} closed")]
    private static partial void LogClosed(ILogger logger, string id);
}

/// <summary>What a WHEP offer came to: the answer SDP, or a plain description and the <see cref="ViewerRefusal"/> reason.</summary>
internal sealed record WhepOutcome(bool Answered, string? Text, string? Reason);
