using System.Text.Json;
using System.Text.Json.Serialization;

namespace EmsSharp.Rendezvous.Cluster;

/// <summary>
/// A room member as the cluster stores it (a field of the room's hash, ClusterScripts): short names, one per node.
/// <paramref name="HandedTo"/>: the EMS a browser was handed to (with <c>server.multiEmsRooms</c>), or null.
/// </summary>
internal sealed record ClusterMember(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("n")] string Node,
    [property: JsonPropertyName("e")] bool IsEms,
    [property: JsonPropertyName("i")] string Instance,
    [property: JsonPropertyName("s")] string StreamName,
    [property: JsonPropertyName("t")] string Transport,
    [property: JsonPropertyName("o")] bool Offers,
    [property: JsonPropertyName("h"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? HandedTo = null)
{
    public string ToJson() => JsonSerializer.Serialize(this);

    /// <summary>Reads a member back; null for anything that is not one (a hash written by something else).</summary>
    public static ClusterMember? TryParse(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<ClusterMember>(json) is { Id: not null, Node: not null } member ? member : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
