using System.Text.Json.Serialization;

namespace EmsSharp.Load.Signalling;

/// <summary>The <c>message</c> event argument (PROTOCOL.md §3.2), with a numbered payload to match echoes.</summary>
internal sealed record RelayMessage(
    [property: JsonPropertyName("to")] string To,
    [property: JsonPropertyName("sid")] string Sid,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("payload")] RelayPayload Payload)
{
    [JsonPropertyName("roomType")]
    public string RoomType => "video";

    [JsonPropertyName("prefix")]
    public string Prefix => "webkit";
}
