using System.Text.Json;
using System.Text.Json.Nodes;
using EmsSharp.Rendezvous.Configuration;
using EmsSharp.Rendezvous.SocketIo;

namespace EmsSharp.Rendezvous.Rooms;

/// <summary>
/// Rooms, joins, relaying and leaves (PROTOCOL.md §2.2, §3.2). One lock guards all room state; every
/// send under it only queues to the peer's bounded outbox, so it never blocks.
/// </summary>
internal sealed class RoomRegistry(ErsOptions options, TokenStore tokens, TimeProvider time)
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
    private long _relayed;
    private bool _closed;

    /// <summary>Handles <c>join(roomName, options)</c>; returns the two ack arguments <c>(error, {"clients":{..}})</c>.</summary>
    public (JsonElement Error, JsonElement Data) Join(IRoomPeer peer, string? roomName, JsonElement joinOptions)
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

        if (!tokens.IsRoomAllowed(roomName))
        {
            return Refuse(RoomNotAllowed);
        }

        if (isEms && !tokens.CheckEmsToken(token, roomName))
        {
            return Refuse(InvalidToken);
        }

        lock (_lock)
        {
            if (peer.RoomName is not null)
            {
                LeaveLocked(peer);
            }

            if (!_rooms.TryGetValue(roomName, out Room? room))
            {
                if (_rooms.Count >= limits.MaxRooms)
                {
                    return Refuse(TooManyRooms);
                }

                room = new Room(roomName);
            }

            if (room.Count >= limits.MaxPeersPerRoom)
            {
                return Refuse(RoomFull);
            }

            if (isEms)
            {
                return JoinEmsLocked(peer, room);
            }

            // A viewer that offers cannot wait for an EMS as a browser page does: its offer needs an answer now.
            if (peer.Offers && room.Ems is null)
            {
                return Refuse(NoEms);
            }

            // PROTOCOL.md §2.2: with tokensEnabled a browser needs a valid viewer token; it is bound
            // (used) only once the browser meets an EMS.
            if (options.Server.TokensEnabled
                && !tokens.CheckViewerToken(token, peer.Id, consume: room.Ems is not null, time.GetUtcNow()))
            {
                return Refuse(InvalidToken);
            }

            peer.StreamName = Truncate(GetString(joinOptions, "streamName"), limits.MaxNameLength);
            peer.Transport = Truncate(GetString(joinOptions, "transport"), limits.MaxNameLength);
            peer.IsEms = false;
            peer.RoomName = roomName;
            room.Browsers[peer.Id] = peer;
            _rooms[roomName] = room;
            JsonObject clients = [];
            if (room.Ems is { } ems)
            {
                clients[ems.Id] = new JsonObject { ["ems"] = true };
                ems.TrySendEvent("clientJoined", ClientJoinedArg(peer));
            }

            return (NullElement, JsonSerializer.SerializeToElement(new JsonObject { ["clients"] = clients }));
        }
    }

    /// <summary>Relays a <c>message</c> to its <c>to</c> peer inside the sender's room, adding <c>from</c>.</summary>
    /// <returns>What the addressee's outbox made of it; null when the message has no valid <c>to</c> or the addressee is not in the sender's room.</returns>
    public OutboxAdmission? Relay(IRoomPeer from, JsonElement message)
    {
        if (message.ValueKind != JsonValueKind.Object || GetString(message, "to") is not { Length: > 0 } to)
        {
            return null;
        }

        IRoomPeer? target;
        lock (_lock)
        {
            if (from.RoomName is not { } roomName || !_rooms.TryGetValue(roomName, out Room? room))
            {
                return null;
            }

            target = room.Ems is { } ems && ems.Id == to ? ems : room.Browsers.GetValueOrDefault(to);
        }

        if (target is null)
        {
            return null;
        }

        Interlocked.Increment(ref _relayed);
        return target.TryRelay(from.Id, WithFrom(message, from.Id));
    }

    /// <summary>Messages relayed to a peer of the sender's room since the start (whatever the addressee's outbox made of them).</summary>
    public long RelayedMessages => Interlocked.Read(ref _relayed);

    /// <summary>Rooms now, the browsers in them and the rooms that have their EMS.</summary>
    public (int Rooms, int Browsers, int Emss) Counts()
    {
        lock (_lock)
        {
            var browsers = 0;
            var emss = 0;
            foreach (Room room in _rooms.Values)
            {
                browsers += room.Browsers.Count;
                emss += room.Ems is null ? 0 : 1;
            }

            return (_rooms.Count, browsers, emss);
        }
    }

    /// <summary>Removes the peer from its room and tells the others with <c>remove</c>.</summary>
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

    public void Leave(IRoomPeer peer)
    {
        lock (_lock)
        {
            LeaveLocked(peer);
        }
    }

    public List<RoomInfo> ListRooms()
    {
        List<string> allowed = tokens.ListAllowedRooms();
        lock (_lock)
        {
            List<RoomInfo> list = new(_rooms.Count + allowed.Count);
            foreach (Room room in _rooms.Values)
            {
                list.Add(new RoomInfo(room.Name, room.Ems is not null, room.Browsers.Count, allowed.Contains(room.Name)));
            }

            foreach (string name in allowed)
            {
                if (!_rooms.ContainsKey(name))
                {
                    list.Add(new RoomInfo(name, false, 0, true));
                }
            }

            return list;
        }
    }

    private (JsonElement, JsonElement) JoinEmsLocked(IRoomPeer peer, Room room)
    {
        // PROTOCOL.md §2.2: one EMS per room; a second is refused and the first keeps it.
        if (room.Ems is not null)
        {
            return Refuse(RoomTaken);
        }

        peer.IsEms = true;
        peer.RoomName = room.Name;
        room.Ems = peer;
        _rooms[room.Name] = room;
        JsonObject clients = [];
        foreach (IRoomPeer browser in room.Browsers.Values)
        {
            clients[browser.Id] = new JsonObject { ["ems"] = false };
        }

        // Browsers already waiting are offered at once (ours): the EMS sees them as joins.
        foreach (IRoomPeer browser in room.Browsers.Values)
        {
            peer.TrySendEvent("clientJoined", ClientJoinedArg(browser));
        }

        return (NullElement, JsonSerializer.SerializeToElement(new JsonObject { ["clients"] = clients }));
    }

    private void LeaveLocked(IRoomPeer peer)
    {
        if (peer.RoomName is not { } roomName || !_rooms.TryGetValue(roomName, out Room? room))
        {
            peer.RoomName = null;
            return;
        }

        if (peer.IsEms && room.Ems == peer)
        {
            room.Ems = null;
        }
        else
        {
            room.Browsers.Remove(peer.Id);
        }

        peer.RoomName = null;
        peer.IsEms = false;
        if (room.Count == 0)
        {
            _rooms.Remove(roomName);
            return;
        }

        if (_closed)
        {
            return;
        }

        JsonElement remove = JsonSerializer.SerializeToElement(new JsonObject { ["id"] = peer.Id, ["type"] = "video" });
        room.Ems?.TrySendEvent("remove", remove);
        foreach (IRoomPeer other in room.Browsers.Values)
        {
            other.TrySendEvent("remove", remove);
        }
    }

    private static JsonElement ClientJoinedArg(IRoomPeer browser)
    {
        JsonObject arg = new()
        {
            ["id"] = browser.Id,
            ["streamName"] = browser.StreamName,
            ["transport"] = browser.Transport,
        };
        if (browser.Offers)
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
}
