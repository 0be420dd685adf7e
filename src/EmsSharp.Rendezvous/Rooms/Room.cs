namespace EmsSharp.Rendezvous.Rooms;

/// <summary>A room: at most one EMS and any number of browsers (PROTOCOL.md §2.2). Guarded by the registry's lock.</summary>
internal sealed class Room(string name)
{
    public string Name { get; } = name;

    public IRoomPeer? Ems { get; set; }

    /// <summary>The <c>instance</c> its EMS joined with (ours; empty when it gave none).</summary>
    public string EmsInstance { get; set; } = string.Empty;

    public Dictionary<string, IRoomPeer> Browsers { get; } = new(StringComparer.Ordinal);

    public int Count => Browsers.Count + (Ems is null ? 0 : 1);
}
