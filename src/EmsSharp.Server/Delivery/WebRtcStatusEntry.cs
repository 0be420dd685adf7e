using System.Text.Json.Nodes;

namespace EmsSharp.Server.Delivery;

/// <summary>One status of a WebRTC service: <c>{code, description, timestamp}</c>.</summary>
public sealed record WebRtcStatusEntry(WebRtcServiceStatusCode Code, string Description, DateTimeOffset Timestamp)
{
    internal JsonObject ToJson() => new()
    {
        ["code"] = (int)Code,
        ["description"] = Description,
        ["timestamp"] = Timestamp.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
    };
}
