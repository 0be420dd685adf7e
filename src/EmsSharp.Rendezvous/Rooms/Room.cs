namespace EmsSharp.Rendezvous.Rooms;

/// <summary>
/// A room: its EMS (one, PROTOCOL.md §2.2; several with <c>server.multiEmsRooms</c>, ours) and any number of browsers.
/// Guarded by the registry's lock.
/// </summary>
internal sealed class Room(string name)
{
    public string Name { get; } = name;

    /// <summary>The room's EMS members, by peer id.</summary>
    public Dictionary<string, RoomEms> Emss { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, IRoomPeer> Browsers { get; } = new(StringComparer.Ordinal);

    /// <summary>The EMS each browser was handed to (browser id to EMS id); a browser not in it waits for an EMS.</summary>
    public Dictionary<string, string> HandedTo { get; } = new(StringComparer.Ordinal);

    public int Count => Browsers.Count + Emss.Count;

    /// <summary>The EMS member that joined with <paramref name="instance"/> (ours), or null; none for an empty instance.</summary>
    public RoomEms? EmsOfInstance(string instance)
    {
        if (instance.Length == 0)
        {
            return null;
        }

        foreach (RoomEms ems in Emss.Values)
        {
            if (ems.Instance == instance)
            {
                return ems;
            }
        }

        return null;
    }
}

/// <summary>An EMS member of a room: its peer, the <c>instance</c> it joined with, its last <c>emsLoad</c> and the browsers handed to it.</summary>
internal sealed class RoomEms(IRoomPeer peer, string instance)
{
    public IRoomPeer Peer { get; set; } = peer;

    /// <summary>The <c>instance</c> it joined with (ours; empty when it gave none).</summary>
    public string Instance { get; set; } = instance;

    /// <summary>Its last load report, or null before the first.</summary>
    public EmsLoad? Load { get; set; }

    /// <summary>Browsers of this node's room handed to it and still there.</summary>
    public int Handed { get; set; }
}
