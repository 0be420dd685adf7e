using System.Text.Json;
using System.Text.Json.Nodes;
using EmsSharp.Rendezvous.Cluster;
using EmsSharp.Rendezvous.Configuration;

namespace EmsSharp.Rendezvous.Rooms;

/// <summary>
/// The registry's part in a cluster (<c>server.redis</c>): joins decided by Redis, what other nodes deliver to this node's
/// members, and what this node tells Redis of its members.
/// </summary>
internal sealed partial class RoomRegistry
{
    /// <summary>The cluster this node is part of, or null (set once, before the listeners start).</summary>
    public ErsCluster? Cluster { get; set; }

    /// <inheritdoc/>
    public void Deliver(string payload)
    {
        using JsonDocument document = JsonDocument.Parse(payload);
        JsonElement root = document.RootElement;
        string? kind = GetString(root, "k");
        string to = GetString(root, "to") ?? string.Empty;
        IRoomPeer? target;
        lock (_lock)
        {
            target = _members.GetValueOrDefault(to);
            if (kind == ClusterPayload.RoomKind)
            {
                DeliverToRoomLocked(root);
                return;
            }

            if (kind == ClusterPayload.DropKind && target is not null)
            {
                DropLocked(target);
            }
        }

        switch (kind)
        {
            case ClusterPayload.RelayKind when target is not null && root.TryGetProperty("msg", out JsonElement message):
                target.TryRelay(GetString(root, "from") ?? string.Empty, message.Clone());
                break;
            case ClusterPayload.EventKind when target is not null && root.TryGetProperty("arg", out JsonElement arg):
                target.TrySendEvent(GetString(root, "name") ?? string.Empty, arg.Clone());
                break;
            case ClusterPayload.DropKind:
                target?.Disconnect();
                break;
        }
    }

    /// <inheritdoc/>
    public List<(string Room, ClusterMember Member)> LocalMembers(string node)
    {
        lock (_lock)
        {
            List<(string, ClusterMember)> members = new(_members.Count);
            foreach (Room room in _rooms.Values)
            {
                foreach (RoomEms ems in room.Emss.Values)
                {
                    members.Add((room.Name, Member(ems.Peer, node, ems.Instance, null)));
                }

                foreach (IRoomPeer browser in room.Browsers.Values)
                {
                    members.Add((room.Name, Member(browser, node, string.Empty, room.HandedTo.GetValueOrDefault(browser.Id))));
                }
            }

            return members;
        }
    }

    // The cluster decides the join (ClusterScripts.Join), then this node adds its member; null when Redis did not
    // answer (the caller joins alone).
    private async ValueTask<(JsonElement Error, JsonElement Data)?> JoinClusteredAsync(ErsCluster cluster, JoinRequest request)
    {
        ErsLimitsOptions limits = options.Limits;
        IRoomPeer peer = request.Peer;
        Left? left = null;
        try
        {
            lock (_lock)
            {
                if (peer.RoomName is not null)
                {
                    left = LeaveLocked(peer);
                }

                if (!_rooms.TryGetValue(request.Room, out Room? room) && _rooms.Count >= limits.MaxRooms)
                {
                    return Refuse(TooManyRooms);
                }

                if (request.IsEms && !options.Server.MultiEmsRooms && room is { Emss.Count: > 0 }
                    && room.EmsOfInstance(request.Instance) is null)
                {
                    return Refuse(RoomTaken);
                }

                if (!request.IsEms && !ViewerTokenValid(request, consume: false))
                {
                    return Refuse(InvalidToken);
                }
            }
        }
        finally
        {
            TellCluster(left); // before the join below: one Redis connection keeps this node's commands in order
        }

        // The socket's read loop waits for this join, so the peer cannot leave (RunAsync's finally) while it runs.
        ClusterMember member = new(peer.Id, cluster.NodeId, request.IsEms, request.Instance, request.StreamName, request.Transport, peer.Offers);
        if (await cluster.JoinAsync(request.Room, member, limits.MaxPeersPerRoom).ConfigureAwait(false) is not { } joined)
        {
            return null;
        }

        if (joined.Error is { } error)
        {
            return Refuse(error);
        }

        if (!request.IsEms && ((peer.Offers && joined.Ems is null)
            || !await ViewerTokenValidAsync(request, consume: joined.Ems is not null).ConfigureAwait(false)))
        {
            _ = cluster.LeaveAsync(request.Room, peer.Id, null);
            return Refuse(joined.Ems is null ? NoEms : InvalidToken);
        }

        IRoomPeer? replaced = null;
        JsonObject clients = [];
        lock (_lock)
        {
            if (!_rooms.TryGetValue(request.Room, out Room? room))
            {
                room = new Room(request.Room);
            }

            if (request.IsEms)
            {
                replaced = TakeOverLocked(room, request, room.EmsOfInstance(request.Instance));
                foreach (ClusterMember browser in joined.Browsers)
                {
                    clients[browser.Id] = new JsonObject { ["ems"] = false };
                    if (room.Browsers.ContainsKey(browser.Id) && room.HandedTo.GetValueOrDefault(browser.Id) != peer.Id)
                    {
                        Hand(room, browser.Id, peer.Id);
                    }

                    peer.TrySendEvent("clientJoined", ClientJoinedArg(browser.Id, browser.StreamName, browser.Transport, browser.Offers));
                }
            }
            else
            {
                AddBrowserLocked(room, request, joined.Ems?.Id);
                if (joined.Ems is { } ems)
                {
                    clients[ems.Id] = new JsonObject { ["ems"] = true };
                    JsonElement arg = ClientJoinedArg(peer.Id, request.StreamName, request.Transport, peer.Offers);
                    if (ems.Node == cluster.NodeId)
                    {
                        room.Emss.GetValueOrDefault(ems.Id)?.Peer.TrySendEvent("clientJoined", arg);
                    }
                    else
                    {
                        _ = cluster.PublishAsync(ems.Node, ClusterPayload.Event(ems.Id, "clientJoined", arg));
                    }
                }
            }
        }

        replaced?.Disconnect();
        if (joined.Replaced is { } gone && gone.Node != cluster.NodeId)
        {
            _ = cluster.DropAsync(gone);
        }

        return (NullElement, JsonSerializer.SerializeToElement(new JsonObject { ["clients"] = clients }));
    }

    // The same, with the token's use bound for the whole cluster (TokenStore.CheckViewerTokenAsync).
    private async ValueTask<bool> ViewerTokenValidAsync(JoinRequest request, bool consume) =>
        !options.Server.TokensEnabled
        || await tokens.CheckViewerTokenAsync(request.Token, request.Peer.Id, consume, time.GetUtcNow()).ConfigureAwait(false);

    // Another ems took over the room this node's EMS held: it goes without a word to the room (its browsers are the
    // same ems's, served on).
    private void DropLocked(IRoomPeer peer)
    {
        _members.Remove(peer.Id);
        if (peer.RoomName is { } roomName && _rooms.TryGetValue(roomName, out Room? room)
            && room.Emss.GetValueOrDefault(peer.Id)?.Peer == peer)
        {
            RemoveEmsLocked(room, peer.Id);
            if (room.Count == 0)
            {
                _rooms.Remove(roomName);
            }
        }

        peer.RoomName = null;
        peer.IsEms = false;
    }

    private void DeliverToRoomLocked(JsonElement root)
    {
        if (GetString(root, "room") is not { } roomName || !_rooms.TryGetValue(roomName, out Room? room)
            || !root.TryGetProperty("arg", out JsonElement arg))
        {
            return;
        }

        string except = GetString(root, "except") ?? string.Empty;
        string name = GetString(root, "name") ?? string.Empty;
        arg = arg.Clone();
        foreach (RoomEms ems in room.Emss.Values)
        {
            if (ems.Peer.Id != except)
            {
                ems.Peer.TrySendEvent(name, arg);
            }
        }

        foreach (IRoomPeer browser in room.Browsers.Values)
        {
            if (browser.Id != except)
            {
                browser.TrySendEvent(name, arg);
            }
        }
    }

    private void TellCluster(Left? left)
    {
        if (left is { } l && Cluster is { } cluster)
        {
            _ = cluster.LeaveAsync(l.Room, l.Id, l.Remove is { } remove ? ClusterPayload.RoomEvent(l.Room, l.Id, "remove", remove) : null);
        }
    }

    private static ClusterMember Member(IRoomPeer peer, string node, string instance, string? handedTo) =>
        new(peer.Id, node, peer.IsEms, instance, peer.StreamName, peer.Transport, peer.Offers, handedTo);
}
