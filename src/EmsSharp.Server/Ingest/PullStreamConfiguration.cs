using System.Text.Json.Nodes;
using EmsSharp.Server.Configs;

namespace EmsSharp.Server.Ingest;

/// <summary>
/// What <c>pullStream</c> configured (operationType 1). <see cref="ToJson"/> is the reply's <c>data</c> and the
/// persisted form.
/// </summary>
internal sealed record PullStreamConfiguration(long ConfigId, string Uri, string LocalStreamName, bool KeepAlive, bool ForceTcp)
{
    public JsonObject ToJson() => new()
    {
        ["configId"] = ConfigId,
        ["forceTcp"] = ForceTcp,
        ["keepAlive"] = KeepAlive,
        ["localStreamName"] = LocalStreamName,
        ["operationType"] = (int)OperationType.Pull,
        ["uri"] = Uri,
    };

    /// <summary>Reads a persisted configuration back; false when a member is missing, of the wrong type, or the URI is not rtsp:// or rtmp://.</summary>
    public static bool TryFromJson(JsonObject json, out PullStreamConfiguration configuration)
    {
        configuration = null!;
        try
        {
            configuration = new PullStreamConfiguration(
                json["configId"]!.GetValue<long>(),
                json["uri"]!.GetValue<string>(),
                json["localStreamName"]!.GetValue<string>(),
                json["keepAlive"]?.GetValue<bool>() ?? true,
                json["forceTcp"]?.GetValue<bool>() ?? false);
            return configuration.LocalStreamName.Length > 0 && PullStreamManager.TryParseUri(configuration.Uri, out _, out _);
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or NullReferenceException)
        {
            return false;
        }
    }
}
