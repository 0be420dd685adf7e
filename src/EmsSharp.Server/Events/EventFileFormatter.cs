using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace EmsSharp.Server.Events;

/// <summary>
/// The lines of a file sink, per format (shared/EVOSTREAM-API.md §5.2; RMS <c>LogFileSink</c>): <c>text</c>, an entry
/// number, the type and the UTC time on one line (<c>00001\tserverStarted\t2026-12-06T12:00:00Z</c>) and the payload's
/// members below it, one <c>key: value</c> a line indented by tabs (null members left out, array items by index);
/// <c>json</c>, the RPC body, one event a line; <c>xml</c>, the XML variant of the RPC body, one event a line and no
/// declaration; <c>w3c</c>, a tab-separated row of the stream fields under a <c>#Fields:</c> header, for stream events only.
/// </summary>
internal static class EventFileFormatter
{
    // RMS LogFileSink::FilterEventList: a w3c log records these only.
    private static readonly HashSet<string> W3cEvents = new(StringComparer.Ordinal)
    {
        EventTypes.InStreamCreated, EventTypes.OutStreamCreated, "streamCreated",
        EventTypes.InStreamCodecsUpdated, EventTypes.OutStreamCodecsUpdated, "streamCodecsUpdated",
        EventTypes.InStreamClosed, EventTypes.OutStreamClosed, "streamClosed",
        EventTypes.AudioFeedStopped, EventTypes.VideoFeedStopped,
    };

    // RMS LogFileSink::InitializeW3CFields, without the pull and record settings.
    private static readonly string[] W3cFields =
    [
        "timestamp", "processId", "INFO", "name", "applicationName", "creationTimestamp", "type", "typeNumeric", "uniqueId", "upTime",
        "queryTimestamp", "bandwidth", "connectionType", "farIp", "farPort", "IP", "nearIP", "nearPort", "port",
        "audio-bytes", "audio-codec", "audio-codecNumeric", "audio-droppedBytes", "audio-droppedPackets", "audio-packets",
        "video-bytes", "video-codec", "video-codecNumeric", "video-droppedBytes", "video-droppedPackets", "video-packets",
    ];

    // Payload member (path) → w3c field.
    private static readonly Dictionary<string, string> W3cMap = new(StringComparer.Ordinal)
    {
        ["PID"] = "processId",
        ["name"] = "name",
        ["localStreamName"] = "name",
        ["appName"] = "applicationName",
        ["creationTimestamp"] = "creationTimestamp",
        ["type"] = "type",
        ["typeNumeric"] = "typeNumeric",
        ["uniqueId"] = "uniqueId",
        ["streamId"] = "uniqueId",
        ["upTime"] = "upTime",
        ["queryTimestamp"] = "queryTimestamp",
        ["bandwidth"] = "bandwidth",
        ["connectionType"] = "connectionType",
        ["farIp"] = "farIp",
        ["farPort"] = "farPort",
        ["ip"] = "IP",
        ["nearIp"] = "nearIP",
        ["nearPort"] = "nearPort",
        ["port"] = "port",
        ["audio/bytesCount"] = "audio-bytes",
        ["audio/codec"] = "audio-codec",
        ["audio/codecNumeric"] = "audio-codecNumeric",
        ["audio/droppedBytesCount"] = "audio-droppedBytes",
        ["audio/droppedPacketsCount"] = "audio-droppedPackets",
        ["audio/packetsCount"] = "audio-packets",
        ["video/bytesCount"] = "video-bytes",
        ["video/codec"] = "video-codec",
        ["video/codecNumeric"] = "video-codecNumeric",
        ["video/droppedBytesCount"] = "video-droppedBytes",
        ["video/droppedPacketsCount"] = "video-droppedPackets",
        ["video/packetsCount"] = "video-packets",
    };

    /// <summary>Whether a w3c log records events of <paramref name="type"/>.</summary>
    public static bool IsW3cEvent(string type) => W3cEvents.Contains(type);

    /// <summary>What a new file starts with: the w3c header, nothing for the other formats.</summary>
    public static string Header(EventFileFormat format, DateTimeOffset now) => format != EventFileFormat.W3c
        ? ""
        : "#Version: 1.0\n#Start-Date: " + now.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)
            + " UTC\n#Software: EmsSharp\n#Fields: " + string.Join('\t', W3cFields) + "\n";

    /// <summary>The lines of one event, each ending with LF; <paramref name="entry"/> numbers the sink's entries from 1.</summary>
    public static string Format(EventFileFormat format, long entry, EventEnvelope envelope)
    {
        switch (format)
        {
            case EventFileFormat.Json:
                return Encoding.UTF8.GetString(envelope.Body(EventSerializerType.Json)) + "\n";
            case EventFileFormat.Xml:
                return Encoding.UTF8.GetString(EventXml.ToXml(envelope, declaration: false)) + "\n";
            case EventFileFormat.W3c:
                return W3cRow(envelope);
            default:
                var sb = new StringBuilder();
                sb.Append(entry.ToString("D5", CultureInfo.InvariantCulture)).Append('\t').Append(envelope.Type).Append('\t')
                    .Append(Time(envelope).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)).Append('\n');
                AppendText(sb, envelope.Payload, 1);
                return sb.ToString();
        }
    }

    private static DateTime Time(EventEnvelope envelope) => DateTimeOffset.FromUnixTimeSeconds(envelope.Timestamp).UtcDateTime;

    private static void AppendText(StringBuilder sb, JsonNode node, int depth)
    {
        IEnumerable<KeyValuePair<string, JsonNode?>> members = node is JsonArray array
            ? array.Select((item, i) => new KeyValuePair<string, JsonNode?>(i.ToString(CultureInfo.InvariantCulture), item))
            : node.AsObject();
        foreach (var (key, value) in members)
        {
            if (value is null)
                continue;
            sb.Append('\t', depth).Append(key).Append(':');
            if (value is JsonObject or JsonArray)
            {
                sb.Append('\n');
                AppendText(sb, value, depth + 1);
            }
            else
            {
                sb.Append(' ').Append(Scalar(value)).Append('\n');
            }
        }
    }

    // A scalar as text on one line: strings as they are (line breaks escaped), the rest as JSON writes them.
    private static string Scalar(JsonNode value) => value.GetValueKind() == System.Text.Json.JsonValueKind.String
        ? value.GetValue<string>().Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)
        : value.ToJsonString();

    private static string W3cRow(EventEnvelope envelope)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["timestamp"] = Time(envelope).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
            ["INFO"] = envelope.Type,
        };
        Fill(values, envelope.Payload, "");
        var sb = new StringBuilder();
        foreach (var field in W3cFields)
        {
            if (sb.Length > 0)
                sb.Append('\t');
            // A field is one token: tabs and line breaks inside a value would break the row.
            sb.Append(values.TryGetValue(field, out var value) && value.Length > 0
                ? value.Replace('\t', ' ').Replace('\n', ' ').Replace('\r', ' ')
                : "-");
        }

        return sb.Append('\n').ToString();
    }

    private static void Fill(Dictionary<string, string> values, JsonObject payload, string prefix)
    {
        foreach (var (key, value) in payload)
        {
            if (value is JsonObject child)
                Fill(values, child, prefix + key + "/");
            else if (value is not null and not JsonArray && W3cMap.TryGetValue(prefix + key, out var field))
                values.TryAdd(field, Scalar(value));
        }
    }
}
