using System.Text.Json;

namespace EmsSharp.Rendezvous.Cluster;

/// <summary>
/// What one node publishes to another's channel (<see cref="ClusterKeys.ChannelPrefix"/>), a JSON object whose <c>k</c>
/// says what it is: <c>relay</c> (a <c>message</c> from a peer to a peer), <c>ev</c> (an event of the server's own to a
/// peer, e.g. <c>clientJoined</c>), <c>room</c> (an event to every member of a room on the node but one, e.g.
/// <c>remove</c>) or <c>drop</c> (a member another ems took the room over from).
/// </summary>
internal static class ClusterPayload
{
    public const string RelayKind = "relay";
    public const string EventKind = "ev";
    public const string RoomKind = "room";
    public const string DropKind = "drop";

    public static string Relay(string to, string from, JsonElement message) =>
        Write(w =>
        {
            w.WriteString("k", RelayKind);
            w.WriteString("to", to);
            w.WriteString("from", from);
            w.WritePropertyName("msg");
            message.WriteTo(w);
        });

    public static string Event(string to, string name, JsonElement arg) =>
        Write(w =>
        {
            w.WriteString("k", EventKind);
            w.WriteString("to", to);
            w.WriteString("name", name);
            w.WritePropertyName("arg");
            arg.WriteTo(w);
        });

    public static string RoomEvent(string room, string except, string name, JsonElement arg) =>
        Write(w =>
        {
            w.WriteString("k", RoomKind);
            w.WriteString("room", room);
            w.WriteString("except", except);
            w.WriteString("name", name);
            w.WritePropertyName("arg");
            arg.WriteTo(w);
        });

    public static string Drop(string to) =>
        Write(w =>
        {
            w.WriteString("k", DropKind);
            w.WriteString("to", to);
        });

    private static string Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (Utf8JsonWriter writer = new(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
