using System.Text.Json.Nodes;
using EmsSharp.Server.Api;
using EmsSharp.Server.Configs;
using EmsSharp.Server.Delivery.Ers;

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
    /// <summary>
    /// Whether this configuration is for the same ERS room (<c>ersip</c>+<c>ersport</c>+<c>roomid</c>); an <c>ersip</c>
    /// list is compared as given.
    /// </summary>
    public bool IsSameRoom(string ersIp, int ersPort, string roomId) =>
        ErsPort == ersPort
        && string.Equals(ErsIp, ersIp, StringComparison.OrdinalIgnoreCase)
        && string.Equals(RoomId, roomId, StringComparison.Ordinal);

    /// <summary>
    /// The ERS addresses <c>ersip</c> lists, in order, <c>ersport</c> for the entries without a port (issue 17).
    /// Only for a configuration that passed <see cref="IsValid"/> or <c>startWebrtc</c>.
    /// </summary>
    /// <exception cref="FormatException"><c>ersip</c> is not a valid list.</exception>
    internal ErsAddress[] GetErsAddresses() =>
        ErsAddress.TryParseList(ErsIp, ErsPort, out var addresses, out var problem)
            ? addresses
            : throw new FormatException($"Invalid value for ersip: {problem}");

    /// <summary>
    /// Checks the values <c>startWebrtc</c> accepts (a configuration saved by an older version may break them);
    /// <paramref name="reason"/> names the first bad parameter (never the token's value).
    /// </summary>
    internal bool IsValid(out string reason)
    {
        reason = !ErsAddress.TryParseList(ErsIp, ErsPort, out _, out _) ? Invalid("ersip", CommandParser.Printable(ErsIp), CommandParser.Explain(ParameterKind.ErsAddressList, ErsIp))
            : !ParameterRules.IsName(RoomId, allowEmpty: false) ? Invalid("roomid", CommandParser.Printable(RoomId), CommandParser.Expectation(ParameterKind.Name))
            : !ParameterRules.IsName(Token, allowEmpty: true) ? Invalid("token", "(not shown)", CommandParser.Expectation(ParameterKind.OptionalName))
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

    private static string Invalid(string parameter, string value, string expectation) =>
        $"Invalid value for {parameter}: {value} ({expectation})";
}
