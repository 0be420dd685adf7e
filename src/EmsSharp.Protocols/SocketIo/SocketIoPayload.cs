using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace EmsSharp.Protocols.SocketIo;

/// <summary>
/// Encodes and decodes the JSON data of event frames (<c>{"name":"..","args":[..]}</c>) and ack
/// frames (<c>&lt;id&gt;[+[json args]]</c>) of Socket.IO protocol revision 1 (socket.io-spec README,
/// "(5) Event" and "(6) ACK").
/// </summary>
public static class SocketIoPayload
{
    /// <summary>Deepest JSON nesting accepted from a peer (ours).</summary>
    public const int MaxJsonDepth = 16;

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = MaxJsonDepth };

    /// <summary>Parses the data of an event frame.</summary>
    /// <param name="data">The frame data.</param>
    /// <param name="name">The event name.</param>
    /// <param name="args">The <c>args</c> array (cloned, independent of any document); an empty array when absent.</param>
    /// <returns>False for malformed JSON, a missing or non-string name, or non-array args; never throws.</returns>
    public static bool TryParseEvent(string? data, out string name, out JsonElement args)
    {
        name = string.Empty;
        args = default;
        if (!TryParseJson(data, out JsonElement root) || root.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("name", out JsonElement nameElement) || nameElement.ValueKind != JsonValueKind.String)
        {
            return false;
        }

        if (root.TryGetProperty("args", out JsonElement argsElement))
        {
            if (argsElement.ValueKind != JsonValueKind.Array)
            {
                return false;
            }

            args = argsElement;
        }
        else
        {
            args = EmptyArray();
        }

        name = nameElement.GetString() ?? string.Empty;
        return true;
    }

    /// <summary>Parses the data of an ack frame: <c>12</c> or <c>12+["a",1]</c>.</summary>
    /// <returns>False when malformed; <paramref name="args"/> is an empty array when the ack has none.</returns>
    public static bool TryParseAck(string? data, out long id, out JsonElement args)
    {
        id = 0;
        args = default;
        if (string.IsNullOrEmpty(data))
        {
            return false;
        }

        int plus = data.IndexOf('+', StringComparison.Ordinal);
        ReadOnlySpan<char> idText = plus < 0 ? data : data.AsSpan(0, plus);
        if (idText.Length is 0 or > SocketIoFrame.MaxIdDigits
            || !long.TryParse(idText, NumberStyles.None, CultureInfo.InvariantCulture, out id))
        {
            return false;
        }

        if (plus < 0)
        {
            args = EmptyArray();
            return true;
        }

        return TryParseJson(data[(plus + 1)..], out args) && args.ValueKind == JsonValueKind.Array;
    }

    /// <summary>Parses any JSON text (a JSON-message frame's data) into a detached element.</summary>
    public static bool TryParseJson(string? data, out JsonElement element)
    {
        element = default;
        if (string.IsNullOrEmpty(data))
        {
            return false;
        }

        try
        {
            using JsonDocument document = JsonDocument.Parse(data, DocumentOptions);
            element = document.RootElement.Clone();
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Formats event data <c>{"name":name,"args":[args...]}</c>.</summary>
    public static string FormatEvent(string name, params ReadOnlySpan<JsonElement> args)
    {
        ArrayBufferWriter<byte> buffer = new(256);
        using (Utf8JsonWriter writer = new(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("name", name);
            writer.WritePropertyName("args");
            WriteArray(writer, args);
            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Formats ack data <c>id+[args...]</c>.</summary>
    public static string FormatAck(long id, params ReadOnlySpan<JsonElement> args)
    {
        ArrayBufferWriter<byte> buffer = new(128);
        using (Utf8JsonWriter writer = new(buffer))
        {
            WriteArray(writer, args);
        }

        return id.ToString(CultureInfo.InvariantCulture) + "+" + System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Builds a complete event frame; with <paramref name="ackId"/> it asks for an ack with data.</summary>
    public static SocketIoFrame EventFrame(string name, long? ackId, params ReadOnlySpan<JsonElement> args) =>
        new(SocketIoFrameType.Event, ackId, ackId is not null, string.Empty, FormatEvent(name, args));

    /// <summary>Builds a complete ack frame <c>6:::id+[args]</c>.</summary>
    public static SocketIoFrame AckFrame(long id, params ReadOnlySpan<JsonElement> args) =>
        new(SocketIoFrameType.Ack, null, false, string.Empty, FormatAck(id, args));

    private static void WriteArray(Utf8JsonWriter writer, ReadOnlySpan<JsonElement> args)
    {
        writer.WriteStartArray();
        foreach (JsonElement arg in args)
        {
            if (arg.ValueKind == JsonValueKind.Undefined)
            {
                writer.WriteNullValue();
            }
            else
            {
                arg.WriteTo(writer);
            }
        }

        writer.WriteEndArray();
    }

    private static JsonElement EmptyArray()
    {
        using JsonDocument document = JsonDocument.Parse("[]");
        return document.RootElement.Clone();
    }
}
