using System.Text.Json.Serialization;

namespace EmsSharp.Load.Signalling;

/// <summary>
/// The <c>message</c> event argument (PROTOCOL.md §3.2): a numbered <see cref="RelayPayload"/> to match echoes,
/// or a viewer's answer and candidates.
/// </summary>
internal sealed record RelayMessage<TPayload>(
    [property: JsonPropertyName("to")] string To,
    [property: JsonPropertyName("sid")] string Sid,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("payload")] TPayload Payload)
{
    [JsonPropertyName("roomType")]
    public string RoomType => "video";

    [JsonPropertyName("prefix")]
    public string Prefix => "webkit";
}
