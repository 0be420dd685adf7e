using System.Text.Json;
using EmsSharp.Rendezvous.Rooms;
using EmsSharp.Rendezvous.SocketIo;

namespace EmsSharp.Rendezvous.Tests;

/// <summary>A room peer that records what the registry sends it.</summary>
internal sealed class RecordingPeer(string id) : IRoomPeer
{
    public List<string> Events { get; } = [];

    public List<string> Joins { get; } = [];

    /// <summary>The ids in the <c>clientJoined</c> events it heard, in order.</summary>
    public List<string> JoinedIds { get; } = [];

    public bool Disconnected { get; private set; }

    public void Disconnect() => Disconnected = true;

    public string Id => id;

    public string? RoomName { get; set; }

    public bool IsEms { get; set; }

    public string StreamName { get; set; } = "";

    public string Transport { get; set; } = "";

    public bool TrySendEvent(string name, JsonElement arg)
    {
        if (name == "remove")
        {
            Events.Add(name);
        }
        else if (name == "clientJoined")
        {
            Joins.Add(name);
            JoinedIds.Add(arg.GetProperty("id").GetString()!);
        }

        return true;
    }

    public OutboxAdmission TryRelay(string senderId, JsonElement message) => OutboxAdmission.Accepted;
}
