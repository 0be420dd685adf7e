using System.Text.Json.Nodes;

namespace EmsSharp.Server.Api;

/// <summary>How EvoStream writes JSON objects (shared/EVOSTREAM-API.md §0).</summary>
internal static class EvoStreamJson
{
    /// <summary>
    /// <paramref name="json"/>'s members in byte order, as EvoStream writes them (RMS serializes a std::map), whatever order
    /// they were added in; <paramref name="json"/> is left empty (its members move to the result).
    /// </summary>
    public static JsonObject Sorted(JsonObject json)
    {
        var members = json.ToList();
        json.Clear();
        members.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        return new JsonObject(members);
    }
}
