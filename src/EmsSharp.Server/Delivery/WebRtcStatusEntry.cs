using System.Text.Json.Nodes;
using EmsSharp.Server.Configs;

namespace EmsSharp.Server.Delivery;

/// <summary>
/// One status of a WebRTC service. As JSON it is EvoStream's status entry (<c>{code, description, timestamp,
/// uniqueStreamId}</c>, codes and unix seconds as a pull's; shared/EVOSTREAM-API.md §3), and <c>ersCode</c> keeps our finer
/// code (<see cref="WebRtcServiceStatusCode"/>: refused, stopped, failed to start, ...).
/// </summary>
public sealed record WebRtcStatusEntry(WebRtcServiceStatusCode Code, string Description, DateTimeOffset Timestamp)
{
    internal JsonObject ToJson() => new()
    {
        ["code"] = (int)EvoStreamCode(Code),
        ["description"] = Description,
        ["ersCode"] = (int)Code,
        ["timestamp"] = Timestamp.ToUnixTimeSeconds(),
        ["uniqueStreamId"] = 0, // a service serves many streams, none of its own
    };

    private static ConfigStatusCode EvoStreamCode(WebRtcServiceStatusCode code) => code switch
    {
        WebRtcServiceStatusCode.Connecting => ConfigStatusCode.Connecting,
        WebRtcServiceStatusCode.Connected => ConfigStatusCode.Connected,
        WebRtcServiceStatusCode.NotConnected or WebRtcServiceStatusCode.Disconnected or WebRtcServiceStatusCode.Stopped =>
            ConfigStatusCode.Disconnected,
        _ => ConfigStatusCode.ConnectionFailed, // refused by the ERS, no ERS client, failed to start
    };
}
