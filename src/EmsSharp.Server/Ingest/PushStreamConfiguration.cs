using System.Text.Json.Nodes;
using EmsSharp.Protocols.Rtmp;
using EmsSharp.Server.Configs;

namespace EmsSharp.Server.Ingest;

/// <summary>
/// What <c>pushStream</c> configured (operationType 2; shared/EVOSTREAM-API.md §4): send local stream
/// <see cref="LocalStreamName"/> to <see cref="TargetUri"/> (<c>rtmp://host[:port]/app</c>) as <see cref="TargetStreamName"/>.
/// <see cref="ToJson"/> is the persisted form, listConfig's <c>push</c> entry and the outputs' <c>pushSettings</c> (with
/// <c>targetUri</c> as the text); the command's reply spells <c>targetUri</c> out as an object.
/// </summary>
internal sealed record PushStreamConfiguration(
    long ConfigId,
    string TargetUri,
    string LocalStreamName,
    string TargetStreamName,
    bool KeepAlive,
    string TargetStreamType,
    string TcUrl,
    string PageUrl,
    string SwfUrl,
    string EmulateUserAgent,
    bool RtmpAbsoluteTimestamps,
    bool SendChunkSizeRequest,
    bool ForceTcp,
    int Tos,
    int Ttl)
{
    /// <summary>EvoStream's default user agent of a push (its connect's flashVer).</summary>
    public const string DefaultUserAgent = "EvoStream Media Server (www.evostream.com)";

    /// <summary>tos and ttl's "not set" value, as EvoStream's (the system default is used).</summary>
    public const int Unset = 256;

    /// <summary>EvoStream's members in its (alphabetical) order.</summary>
    public JsonObject ToJson() => new()
    {
        ["configId"] = ConfigId,
        ["emulateUserAgent"] = EmulateUserAgent,
        ["forceTcp"] = ForceTcp,
        ["httpProxy"] = "",
        ["keepAlive"] = KeepAlive,
        ["localStreamName"] = LocalStreamName,
        ["operationType"] = (int)OperationType.Push,
        ["pageUrl"] = PageUrl,
        ["rtmpAbsoluteTimestamps"] = RtmpAbsoluteTimestamps,
        ["sendChunkSizeRequest"] = SendChunkSizeRequest,
        ["swfUrl"] = SwfUrl,
        ["targetStreamName"] = TargetStreamName,
        ["targetStreamType"] = TargetStreamType,
        ["targetUri"] = TargetUri,
        ["tcUrl"] = TcUrl,
        ["tos"] = Tos,
        ["ttl"] = Ttl,
        ["useSourcePts"] = false,
    };

    /// <summary>Reads a persisted configuration back; false when a member is missing, of the wrong type or out of range.</summary>
    public static bool TryFromJson(JsonObject json, out PushStreamConfiguration configuration)
    {
        configuration = null!;
        try
        {
            configuration = new PushStreamConfiguration(
                json["configId"]!.GetValue<long>(),
                json["targetUri"]!.GetValue<string>(),
                json["localStreamName"]!.GetValue<string>(),
                json["targetStreamName"]!.GetValue<string>(),
                json["keepAlive"]?.GetValue<bool>() ?? true,
                json["targetStreamType"]?.GetValue<string>() ?? "live",
                json["tcUrl"]?.GetValue<string>() ?? "",
                json["pageUrl"]?.GetValue<string>() ?? "",
                json["swfUrl"]?.GetValue<string>() ?? "",
                json["emulateUserAgent"]?.GetValue<string>() ?? DefaultUserAgent,
                json["rtmpAbsoluteTimestamps"]?.GetValue<bool>() ?? false,
                json["sendChunkSizeRequest"]?.GetValue<bool>() ?? true,
                json["forceTcp"]?.GetValue<bool>() ?? false,
                json["tos"]?.GetValue<int>() ?? Unset,
                json["ttl"]?.GetValue<int>() ?? Unset);
            return configuration.LocalStreamName.Length > 0 && configuration.TargetStreamName.Length > 0 &&
                RtmpPublishOptions.IsValidType(configuration.TargetStreamType) &&
                configuration.Tos is >= 0 and <= Unset && configuration.Ttl is >= 1 and <= Unset &&
                PushTarget.TryParse(configuration.TargetUri, out _, out _);
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or NullReferenceException)
        {
            return false;
        }
    }
}
