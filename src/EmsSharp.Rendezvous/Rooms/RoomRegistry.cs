using System.Text.Json;
using System.Text.Json.Nodes;
using EmsSharp.Rendezvous.Cluster;
using EmsSharp.Rendezvous.Configuration;
using EmsSharp.Rendezvous.SocketIo;

namespace EmsSharp.Rendezvous.Rooms;

/// <summary>
/// Rooms, joins, relaying and leaves (PROTOCOL.md §2.2, §3.2). One lock guards all room state; every
/// send under it only queues to the peer's bounded outbox, so it never blocks.
/// With a <see cref="Cluster"/> (<c>server.redis</c>) a room spans the nodes: this registry holds this node's members,
/// Redis decides joins (one EMS per room or, with <c>server.multiEmsRooms</c>, which EMS a browser is handed to; the
/// room's cap) and the other nodes' members are reached through their
/// channels. While Redis does not answer, joins and relays are this node's alone.
/// </summary>
internal sealed partial class RoomRegistry(ErsOptions options, TokenStore tokens, TimeProvider time) : IClusterSink
{
    /// <summary>Refusal reasons sent as the ack's first argument.</summary>
    public const string RoomTaken = "room taken";
    public const string RoomNotAllowed = "room not allowed";
    public const string InvalidToken = "invalid token";
    public const string RoomFull = "room full";
    public const string TooManyRooms = "too many rooms";
    public const string InvalidRoom = "invalid room";
    public const string NoEms = "no EMS";

    private static readonly JsonElement NullElement = JsonSerializer.SerializeToElement<object?>(null);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Room> _rooms = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IRoomPeer> _members = new(StringComparer.Ordinal); // this node's, by id
    private long _relayed;
    private bool _closed;

    /// <summary>Handles <c>join(roomName, options)</c>; returns the two ack arguments <c>(error, {"clients":{..}})</c>.</summary>
    public async ValueTask<(JsonElement Error, JsonElement Data)> JoinAsync(IRoomPeer peer, string? roomName, JsonElement joinOptions)
    {
        ErsLimitsOptions limits = options.Limits;
        if (string.IsNullOrEmpty(roomName) || roomName.Length > limits.MaxNameLength)
        {
            return Refuse(InvalidRoom);
        }

        bool isEms = GetString(joinOptions, "role") == "ems";
        string? token = GetString(joinOptions, "token");
        if (token is { Length: > 0 } && token.Length > limits.MaxNameLength)
        {
            return Refuse(InvalidToken);
        }

        await tokens.CatchUpAsync(roomName, isEms, token, peer.Id, time.GetUtcNow()).ConfigureAwait(false);
        if (!tokens.IsRoomAllowed(roomName))
        {
            return Refuse(RoomNotAllowed);
        }

        if (isEms && !tokens.CheckEmsToken(token, roomName))
        {
            return Refuse(InvalidToken);
        }

        JoinRequest request = new(peer, roomName, isEms, token,
            // Ours: the ems's own id, kept across its reconnects: the same ems coming back takes its room over at once,
            // where its old socket (half-open, or on a node that died) would hold the room until it times out.
            isEms ? Truncate(GetString(joinOptions, "instance"), limits.MaxNameLength) : string.Empty,
            Truncate(GetString(joinOptions, "streamName"), limits.MaxNameLength),
            Truncate(GetString(joinOptions, "transport"), limits.MaxNameLength));
        if (Cluster is { IsUp: true } cluster
            && await JoinClusteredAsync(cluster, request).ConfigureAwait(false) is { } answer)
        {
            return answer;
        }

        return JoinAlone(request);
    }

    /// <summary>Relays a <c>message</c> to its <c>to</c> peer inside the sender's room, adding <c>from</c>.</summary>
    /// <returns>What the addressee's outbox made of it; null when the message has no valid <c>to</c> or the addressee is not in the sender's room.</returns>
    public async ValueTask<OutboxAdmission?> RelayAsync(IRoomPeer from, JsonElement message)
    {
        if (message.ValueKind != JsonValueKind.Object || GetString(message, "to") is not { Length: > 0 } to)
        {
            return null;
        }

        IRoomPeer? target;
        string? roomName;
        lock (_lock)
        {
            roomName = from.RoomName;
            if (roomName is null || !_rooms.TryGetValue(roomName, out Room? room))
            {
                return null;
            }

            target = room.Emss.GetValueOrDefault(to)?.Peer ?? room.Browsers.GetValueOrDefault(to);
        }

        if (target is not null)
        {
            Interlocked.Increment(ref _relayed);
            return target.TryRelay(from.Id, WithFrom(message, from.Id));
        }

        // Another node's member: its node delivers it within that sender's share of the addressee's outbox, and what
        // the outbox makes of it stays there (the sender is not told of a drop).
        if (Cluster is not { IsUp: true } cluster
            || await cluster.RelayAsync(roomName, to, ClusterPayload.Relay(to, from.Id, WithFrom(message, from.Id))).ConfigureAwait(false) != true)
        {
            return null;
        }

        Interlocked.Increment(ref _relayed);
        return OutboxAdmission.Accepted;
    }

    /// <summary>Messages relayed to a peer of the sender's room since the start (whatever the addressee's outbox made of them).</summary>
    public long RelayedMessages => Interlocked.Read(ref _relayed);

    /// <summary>This node's rooms now, the browsers in them and the rooms that have their EMS.</summary>
    public (int Rooms, int Browsers, int Emss) Counts()
    {
        lock (_lock)
        {
            var browsers = 0;
            var emss = 0;
            foreach (Room room in _rooms.Values)
            {
                browsers += room.Browsers.Count;
                emss += room.Emss.Count == 0 ? 0 : 1;
            }

            return (_rooms.Count, browsers, emss);
        }
    }

    /// <summary>
    /// The ERS is stopping: from now on a peer that goes is not announced to its room (<c>remove</c>), since it did not
    /// leave: its socket closed because the server stops. Root cause of a page that stopped playing when the ERS restarted
    /// (ErsRestartPlaybackTests, about 1 run in 20): the browser's socket closed a moment before the ems's, the ems heard
    /// "remove" for the browser and ended its media session, which ran directly and needed the ERS no more.
    /// </summary>
    public void Close()
    {
        lock (_lock)
        {
            _closed = true;
        }
    }

    /// <summary>Removes the peer from its room and tells the others with <c>remove</c>.</summary>
    public void Leave(IRoomPeer peer)
    {
        Left? left;
        lock (_lock)
        {
            left = LeaveLocked(peer);
        }

        TellCluster(left);
    }

    /// <summary>
    /// Handles an EMS's <c>emsLoad</c> (ours; docs/OPERATIONS.md, "Several ems in one room"): with
    /// <c>server.multiEmsRooms</c> the report is kept on its member (in a cluster, in Redis for every node's joins).
    /// </summary>
    /// <returns>Why the report of an EMS is not a valid one (it is ignored), else null; a browser's is ignored unread.</returns>
    public string? ReportLoad(IRoomPeer peer, JsonElement report)
    {
        if (!peer.IsEms)
        {
            return null; // not logged either: only an EMS reports, and anyone else's could flood the log
        }

        if (EmsLoad.TryParse(report, options.Limits.MaxNameLength, out string error) is not { } load)
        {
            return error;
        }

        string? roomName;
        lock (_lock)
        {
            roomName = peer.RoomName;
            if (!options.Server.MultiEmsRooms || roomName is null || !_rooms.TryGetValue(roomName, out Room? room)
                || room.Emss.GetValueOrDefault(peer.Id) is not { } ems || ems.Peer != peer)
            {
                return null;
            }

            ems.Load = load;
        }

        if (Cluster is { IsUp: true } cluster)
        {
            _ = cluster.SetLoadAsync(roomName, peer.Id, load.ToJson()); // one Redis connection keeps the reports in order
        }

        return null;
    }

    /// <summary>This node's rooms (with a cluster, the members it holds), and the allowed rooms with nobody in them.</summary>
    public List<RoomInfo> ListRooms()
    {
        List<string> allowed = tokens.ListAllowedRooms();
        lock (_lock)
        {
            List<RoomInfo> list = new(_rooms.Count + allowed.Count);
            foreach (Room room in _rooms.Values)
            {
                list.Add(new RoomInfo(room.Name, room.Emss.Count > 0, room.Browsers.Count, allowed.Contains(room.Name),
                    [.. room.Emss.Values.OrderBy(e => e.Peer.Id, StringComparer.Ordinal).Select(e => new RoomEmsInfo(e.Peer.Id, e.Handed, e.Load))]));
            }

            foreach (string name in allowed)
            {
                if (!_rooms.ContainsKey(name))
                {
                    list.Add(new RoomInfo(name, false, 0, true, []));
                }
            }

            return list;
        }
    }

    private (JsonElement Error, JsonElement Data) JoinAlone(JoinRequest request)
    {
        ErsLimitsOptions limits = options.Limits;
        IRoomPeer peer = request.Peer;
        Left? left = null;
        IRoomPeer? replaced = null;
        try
        {
            lock (_lock)
            {
                if (peer.RoomName is not null)
                {
                    left = LeaveLocked(peer);
                }

                if (!_rooms.TryGetValue(request.Room, out Room? room))
                {
                    if (_rooms.Count >= limits.MaxRooms)
                    {
                        return Refuse(TooManyRooms);
                    }

                    room = new Room(request.Room);
                }

                RoomEms? same = request.IsEms ? room.EmsOfInstance(request.Instance) : null;
                if (room.Count - (same is null ? 0 : 1) >= limits.MaxPeersPerRoom)
                {
                    return Refuse(RoomFull);
                }

                if (request.IsEms)
                {
                    // PROTOCOL.md §2.2: one EMS per room; a second is refused and the first keeps it, unless it is the
                    // same ems back (its instance). With multiEmsRooms (ours) it is admitted.
                    if (!options.Server.MultiEmsRooms && room.Emss.Count > 0 && same is null)
                    {
                        return Refuse(RoomTaken);
                    }

                    replaced = TakeOverLocked(room, request, same);
                    JsonObject clients = [];
                    foreach (IRoomPeer browser in HandOverLocked(room, peer.Id))
                    {
                        clients[browser.Id] = new JsonObject { ["ems"] = false };
                        // Browsers already waiting are offered at once (ours): the EMS sees them as joins.
                        peer.TrySendEvent("clientJoined", ClientJoinedArg(browser.Id, browser.StreamName, browser.Transport, browser.Offers));
                    }

                    return (NullElement, JsonSerializer.SerializeToElement(new JsonObject { ["clients"] = clients }));
                }

                // A viewer that offers cannot wait for an EMS as a browser page does: its offer needs an answer now.
                if (peer.Offers && room.Emss.Count == 0)
                {
                    return Refuse(NoEms);
                }

                RoomEms? chosen = ChooseLocked(room, request.StreamName);
                if (chosen is null && room.Emss.Count > 0)
                {
                    return Refuse(RoomFull); // every EMS of the room reported itself full (multiEmsRooms)
                }

                // PROTOCOL.md §2.2: with tokensEnabled a browser needs a valid viewer token; it is bound
                // (used) only once the browser meets an EMS.
                if (!ViewerTokenValid(request, chosen is not null))
                {
                    return Refuse(InvalidToken);
                }

                AddBrowserLocked(room, request, chosen?.Peer.Id);
                JsonObject emsClients = [];
                if (chosen is not null)
                {
                    emsClients[chosen.Peer.Id] = new JsonObject { ["ems"] = true };
                    chosen.Peer.TrySendEvent("clientJoined", ClientJoinedArg(peer.Id, request.StreamName, request.Transport, peer.Offers));
                }

                return (NullElement, JsonSerializer.SerializeToElement(new JsonObject { ["clients"] = emsClients }));
            }
        }
        finally
        {
            TellCluster(left);
            replaced?.Disconnect();
        }
    }

    // The EMS a browser's join is handed to: the room's one EMS, or with multiEmsRooms the one the rule picks
    // (EmsLoad.Choose); null when there is none, or every one is full.
    private RoomEms? ChooseLocked(Room room, string stream) =>
        options.Server.MultiEmsRooms ? EmsLoad.Choose(room.Emss.Values, stream) : room.Emss.Values.FirstOrDefault();

    private bool ViewerTokenValid(JoinRequest request, bool consume) =>
        !options.Server.TokensEnabled || tokens.CheckViewerToken(request.Token, request.Peer.Id, consume, time.GetUtcNow());

    // Makes the request's peer an EMS of the room, in the place of the same ems's member (its instance) if it has one;
    // returns the peer it replaced (the same ems's old socket), to disconnect.
    private IRoomPeer? TakeOverLocked(Room room, JoinRequest request, RoomEms? same)
    {
        IRoomPeer peer = request.Peer;
        IRoomPeer? old = same is { } held && held.Peer != peer ? held.Peer : null;
        if (old is not null)
        {
            old.RoomName = null;
            old.IsEms = false;
            _members.Remove(old.Id);
            room.Emss.Remove(old.Id);
            foreach (string browser in room.HandedTo.Where(h => h.Value == old.Id).Select(h => h.Key).ToList())
            {
                room.HandedTo[browser] = peer.Id;
            }
        }

        RoomEms ems = same ?? new RoomEms(peer, request.Instance);
        ems.Peer = peer;
        peer.IsEms = true;
        peer.RoomName = room.Name;
        room.Emss[peer.Id] = ems;
        _rooms[room.Name] = room;
        _members[peer.Id] = peer;
        return old;
    }

    // The browsers an EMS that joins is offered: those handed to it (the same ems back) and those waiting, which are
    // handed to it.
    private static List<IRoomPeer> HandOverLocked(Room room, string emsId)
    {
        List<IRoomPeer> offered = [];
        foreach (IRoomPeer browser in room.Browsers.Values)
        {
            string? to = room.HandedTo.GetValueOrDefault(browser.Id);
            if (to is null || !room.Emss.ContainsKey(to))
            {
                Hand(room, browser.Id, emsId);
            }
            else if (to != emsId)
            {
                continue;
            }

            offered.Add(browser);
        }

        return offered;
    }

    // Counts the browser as handed to the EMS (when it is this node's).
    private static void Hand(Room room, string browserId, string emsId)
    {
        room.HandedTo[browserId] = emsId;
        if (room.Emss.TryGetValue(emsId, out RoomEms? ems))
        {
            ems.Handed++;
        }
    }

    private void AddBrowserLocked(Room room, JoinRequest request, string? emsId)
    {
        IRoomPeer peer = request.Peer;
        peer.StreamName = request.StreamName;
        peer.Transport = request.Transport;
        peer.IsEms = false;
        peer.RoomName = room.Name;
        room.Browsers[peer.Id] = peer;
        if (emsId is not null)
        {
            Hand(room, peer.Id, emsId);
        }

        _rooms[room.Name] = room;
        _members[peer.Id] = peer;
    }

    // Takes a peer out of its room here; returns what the cluster must hear of it (after the lock), or null.
    private Left? LeaveLocked(IRoomPeer peer)
    {
        _members.Remove(peer.Id);
        if (peer.RoomName is not { } roomName || !_rooms.TryGetValue(roomName, out Room? room))
        {
            peer.RoomName = null;
            return null;
        }

        if (peer.IsEms && room.Emss.GetValueOrDefault(peer.Id)?.Peer == peer)
        {
            RemoveEmsLocked(room, peer.Id);
        }
        else if (room.Browsers.Remove(peer.Id) && room.HandedTo.Remove(peer.Id, out string? emsId)
            && room.Emss.TryGetValue(emsId, out RoomEms? ems))
        {
            ems.Handed--;
        }

        peer.RoomName = null;
        peer.IsEms = false;
        if (room.Count == 0)
        {
            _rooms.Remove(roomName);
        }

        if (_closed)
        {
            return new Left(roomName, peer.Id, null);
        }

        JsonElement remove = JsonSerializer.SerializeToElement(new JsonObject { ["id"] = peer.Id, ["type"] = "video" });
        foreach (RoomEms ems in room.Emss.Values)
        {
            ems.Peer.TrySendEvent("remove", remove);
        }

        foreach (IRoomPeer other in room.Browsers.Values)
        {
            other.TrySendEvent("remove", remove);
        }

        return new Left(roomName, peer.Id, remove);
    }

    // Takes an EMS out of its room; the browsers handed to it wait (for another EMS, or their rejoin).
    private static void RemoveEmsLocked(Room room, string emsId)
    {
        room.Emss.Remove(emsId);
        foreach (KeyValuePair<string, string> handed in room.HandedTo)
        {
            if (handed.Value == emsId)
            {
                room.HandedTo.Remove(handed.Key);
            }
        }
    }

    private static JsonElement ClientJoinedArg(string id, string streamName, string transport, bool offers)
    {
        JsonObject arg = new()
        {
            ["id"] = id,
            ["streamName"] = streamName,
            ["transport"] = transport,
        };
        if (offers)
        {
            arg["offers"] = true;
        }

        return JsonSerializer.SerializeToElement(arg);
    }

    private static JsonElement WithFrom(JsonElement message, string from)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (Utf8JsonWriter writer = new(buffer))
        {
            writer.WriteStartObject();
            foreach (JsonProperty property in message.EnumerateObject())
            {
                if (property.NameEquals("from"))
                {
                    continue;
                }

                property.WriteTo(writer);
            }

            writer.WriteString("from", from);
            writer.WriteEndObject();
        }

        using JsonDocument document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }

    private static (JsonElement, JsonElement) Refuse(string reason) =>
        (JsonSerializer.SerializeToElement(reason), JsonSerializer.SerializeToElement(new JsonObject { ["clients"] = new JsonObject() }));

    private static string? GetString(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out JsonElement value)
            && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    private static string Truncate(string? value, int max) =>
        value is null ? string.Empty : value.Length <= max ? value : value[..max];

    /// <summary>A join as asked: the peer, its room and role, and what it said of itself.</summary>
    private sealed record JoinRequest(IRoomPeer Peer, string Room, bool IsEms, string? Token, string Instance, string StreamName, string Transport);

    /// <summary>A peer that left <paramref name="Room"/>, and the <c>remove</c> its room hears (null: none, the ERS stops).</summary>
    private readonly record struct Left(string Room, string Id, JsonElement? Remove);
}
