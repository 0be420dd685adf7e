using System.Text.Json.Nodes;
using EmsSharp.Server.Api;
using EmsSharp.Server.Configs;

namespace EmsSharp.Server.Delivery;

/// <summary>
/// What <c>startWebrtc</c> configured (PROTOCOL.md §1.5). <see cref="ToJson"/> is the reply's <c>data</c>
/// and the persisted form: member names and JSON types are the contract.
/// </summary>
public sealed record WebRtcServiceConfiguration(
    long ConfigId,
    string ErsIp,
    int ErsPort,
    string RoomId,
    string Token,
    bool KeepAlive,
    bool ErsOverSsl,
    string Name,
    string SslCert,
    string SslKey)
{
    /// <summary>Whether this configuration is for the same ERS room (<c>ersip</c>+<c>ersport</c>+<c>roomid</c>).</summary>
    public bool IsSameRoom(string ersIp, int ersPort, string roomId) =>
        ErsPort == ersPort
        && string.Equals(ErsIp, ersIp, StringComparison.OrdinalIgnoreCase)
        && string.Equals(RoomId, roomId, StringComparison.Ordinal);

    /// <summary>
    /// Checks the values <c>startWebrtc</c> accepts (a configuration saved by an older version may break them);
    /// <paramref name="reason"/> names the first bad parameter (never the token's value).
    /// </summary>
    internal bool IsValid(out string reason)
    {
        reason = !ParameterRules.IsHostName(ErsIp) ? Invalid("ersip", Printable(ErsIp), ParameterKind.HostName)
            : !ParameterRules.IsName(RoomId, allowEmpty: false) ? Invalid("roomid", Printable(RoomId), ParameterKind.Name)
            : !ParameterRules.IsName(Token, allowEmpty: true) ? Invalid("token", "(not shown)", ParameterKind.OptionalName)
            : "";
        return reason.Length == 0;
    }

    internal JsonObject ToJson() => new()
    {
        ["configId"] = ConfigId,
        ["ers"] = "",
        ["ersOverSsl"] = ErsOverSsl,
        ["ersip"] = ErsIp,
        ["ersport"] = ErsPort,
        ["keepAlive"] = KeepAlive,
        ["name"] = Name,
        ["operationType"] = (int)OperationType.WebRtc,
        ["roomid"] = RoomId,
        ["sslCert"] = SslCert,
        ["sslKey"] = SslKey,
        ["token"] = Token,
    };

    /// <summary>The <c>stopWebrtc</c> reply form <c>{ersip, ersport, roomid}</c>.</summary>
    internal JsonObject ToStopJson() => new()
    {
        ["ersip"] = ErsIp,
        ["ersport"] = ErsPort,
        ["roomid"] = RoomId,
    };

    /// <summary>Reads a persisted configuration back; false when a member is missing or of the wrong type.</summary>
    internal static bool TryFromJson(JsonObject json, out WebRtcServiceConfiguration configuration)
    {
        configuration = null!;
        try
        {
            configuration = new WebRtcServiceConfiguration(
                json["configId"]!.GetValue<long>(),
                json["ersip"]!.GetValue<string>(),
                json["ersport"]!.GetValue<int>(),
                json["roomid"]!.GetValue<string>(),
                json["token"]?.GetValue<string>() ?? "",
                json["keepAlive"]?.GetValue<bool>() ?? true,
                json["ersOverSsl"]?.GetValue<bool>() ?? false,
                json["name"]?.GetValue<string>() ?? "",
                json["sslCert"]?.GetValue<string>() ?? "",
                json["sslKey"]?.GetValue<string>() ?? "");
            return configuration.ErsPort is >= 1 and <= 65535 && configuration.RoomId.Length > 0;
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or NullReferenceException)
        {
            return false;
        }
    }

    /// <summary>A saved value as it may appear in a log line: shortened, control characters shown as <c>?</c>.</summary>
    private static string Printable(string value) =>
        string.Concat(CommandParser.Shorten(value).Select(static c => char.IsControl(c) ? '?' : c));

    private static string Invalid(string parameter, string value, ParameterKind kind) =>
        $"Invalid value for {parameter}: {value} ({CommandParser.Expectation(kind)})";
}
