using System.Text.Json;
using EmsSharp.Rendezvous.SocketIo;

namespace EmsSharp.Rendezvous.Rooms;

/// <summary>A connected client as the room registry sees it.</summary>
internal interface IRoomPeer
{
    /// <summary>The socket.io session id, the peer id in the room.</summary>
    string Id { get; }

    /// <summary>The room joined, or null. Set only by the registry, under its lock.</summary>
    string? RoomName { get; set; }

    /// <summary>True when this peer joined as the room's EMS.</summary>
    bool IsEms { get; set; }

    /// <summary>The stream name the browser asked for at join.</summary>
    string StreamName { get; set; }

    /// <summary>The transport the browser asked for at join.</summary>
    string Transport { get; set; }

    /// <summary>
    /// True for a viewer that sends the offer itself (a WHEP player relayed by the ERS; ours): the EMS hears it in
    /// <c>clientJoined</c> and answers, and the viewer is admitted only to a room that has its EMS.
    /// </summary>
    bool Offers => false;

    /// <summary>Queues an event of the server's own to this peer without blocking; false when the peer is gone or too slow.</summary>
    bool TrySendEvent(string name, JsonElement arg);

    /// <summary>
    /// Closes the peer's connection: the same ems joined its room again (its <c>instance</c>), so this old connection of
    /// it holds the room no more. Only an EMS is ever disconnected so; a viewer has nothing to close.
    /// </summary>
    void Disconnect()
    {
    }

    /// <summary>Queues a <c>message</c> relayed from <paramref name="senderId"/>, within that sender's share of this peer's outbox.</summary>
    OutboxAdmission TryRelay(string senderId, JsonElement message);
}
