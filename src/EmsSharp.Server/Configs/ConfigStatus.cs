using System.Text.Json.Nodes;

namespace EmsSharp.Server.Configs;

/// <summary>
/// A pull's or a push's status as <c>getConfigInfo</c> and <c>listConfig</c> show it (shared/EVOSTREAM-API.md §3): the
/// code, EvoStream's words for it, when it was set, and the stream it concerns (0: none).
/// </summary>
internal sealed record ConfigStatus(ConfigStatusCode Code, DateTimeOffset At, long StreamId)
{
    public JsonObject ToJson() => new()
    {
        ["code"] = (int)Code,
        ["description"] = Code switch
        {
            ConfigStatusCode.Streaming => "Streaming",
            ConfigStatusCode.Connecting => "Connecting",
            ConfigStatusCode.WaitingForStream => "Waiting for stream",
            ConfigStatusCode.Connected => "Connected",
            ConfigStatusCode.Disconnected => "Disconnected",
            _ => "Connection failed",
        },
        ["timestamp"] = At.ToUnixTimeSeconds(),
        ["uniqueStreamId"] = StreamId,
    };
}
