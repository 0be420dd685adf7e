using System.Text.Json;
using System.Text.Json.Nodes;
using EmsSharp.WebRtc;

namespace EmsSharp.Server.Delivery.WebRtc;

/// <summary>
/// Where a <see cref="ViewerSession"/> lives and how it signals: an ERS room (<see cref="WebRtcRoom"/>, messages relayed
/// by the ERS, PROTOCOL.md §3) or the WHEP endpoint (<see cref="Whep.WhepRoom"/>, one HTTP exchange per session).
/// </summary>
internal interface IViewerRoom
{
    ViewerResources Resources { get; }

    /// <summary>The room's name in events and outbound stream entries (<c>roomId</c>).</summary>
    string RoomId { get; }

    /// <summary>The WebRTC service's configId, null when no startWebrtc configuration stands behind the room.</summary>
    long? ConfigId { get; }

    /// <summary>The STUN and TURN entries (<c>{"url": ...}</c> or <c>{"urls": ...}</c>) this room's viewers discover their addresses with.</summary>
    IEnumerable<JsonElement> IceServers { get; }

    /// <summary>A TURN relay over TCP or TLS for viewers whose network lets only TCP out; null when there is none.</summary>
    Task<TurnRelay?> GetRelayAsync();

    /// <summary>Sends a signalling message (<c>offer</c>, <c>answer</c>, <c>candidate</c>, <c>connectivityError</c>) to the viewer's peer.</summary>
    Task<bool> SendAsync(ViewerSession viewer, string type, JsonObject payload, CancellationToken token);

    /// <summary>Raises a peer event with the room and viewer in its payload.</summary>
    void Publish(string type, ViewerSession viewer, string? reason);

    /// <summary>Closes a viewer in the background (safe from the viewer's own callbacks).</summary>
    void Remove(ViewerSession viewer);
}
