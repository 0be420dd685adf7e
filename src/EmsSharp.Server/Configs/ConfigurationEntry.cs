using System.Text.Json.Nodes;

namespace EmsSharp.Server.Configs;

/// <summary>
/// One configuration of the store. <see cref="Data"/> is the object shown by <c>listConfig</c>; it belongs
/// to the store and is never modified: callers that put it into a reply use <see cref="CloneData"/>.
/// </summary>
internal sealed record ConfigurationEntry(long ConfigId, OperationType OperationType, bool KeepAlive, JsonObject Data)
{
    public JsonObject CloneData() => (JsonObject)Data.DeepClone();
}
