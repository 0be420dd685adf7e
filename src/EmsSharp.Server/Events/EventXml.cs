using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml;

namespace EmsSharp.Server.Events;

/// <summary>
/// EvoStream's two XML forms of an event (shared/EVOSTREAM-API.md §5.1; RMS <c>Variant::SerializeToXml</c> and
/// <c>SerializeToXmlRpcRequest</c>): XML, the envelope as <c>&lt;MAP isArray="false" name=""&gt;</c> whose children are typed
/// elements named by their <c>name</c> attribute (<c>STR</c>, <c>BOOL</c>, <c>INT64</c>, <c>UINT64</c>, <c>DOUBLE</c> with 3
/// decimals, <c>NULL</c>, nested <c>MAP</c>; an array is a <c>MAP isArray="true"</c> whose items are named <c>0x00000000</c>,
/// <c>0x00000001</c>, ...); XMLRPC, a <c>methodCall</c> of <c>event.Log</c> with one struct <c>{payload, type}</c>, every
/// integer an <c>int</c> as EvoStream writes it.
/// </summary>
internal static class EventXml
{
    private static readonly XmlWriterSettings Settings = new()
    {
        Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
        Indent = false,
        NewLineHandling = NewLineHandling.Entitize,
        OmitXmlDeclaration = true,
    };

    /// <summary>The envelope as EvoStream's XML variant, with or without the XML declaration.</summary>
    public static byte[] ToXml(EventEnvelope envelope, bool declaration)
    {
        return Write(declaration, writer =>
        {
            writer.WriteStartElement("MAP");
            writer.WriteAttributeString("isArray", "false");
            writer.WriteAttributeString("name", "");
            WriteTyped(writer, "id", JsonValue.Create(envelope.Id));
            WriteTyped(writer, "payload", envelope.Payload);
            WriteTyped(writer, "processId", JsonValue.Create((long)Environment.ProcessId));
            WriteTyped(writer, "timestamp", JsonValue.Create(envelope.Timestamp));
            WriteTyped(writer, "type", JsonValue.Create(envelope.Type));
            writer.WriteEndElement();
        });
    }

    /// <summary>The event as an XML-RPC call: <c>event.Log({payload, type})</c>.</summary>
    public static byte[] ToXmlRpc(EventEnvelope envelope)
    {
        return Write(true, writer =>
        {
            writer.WriteStartElement("methodCall");
            writer.WriteElementString("methodName", "event.Log");
            writer.WriteStartElement("params");
            writer.WriteStartElement("param");
            writer.WriteStartElement("value");
            writer.WriteStartElement("struct");
            WriteMember(writer, "payload", envelope.Payload);
            WriteMember(writer, "type", JsonValue.Create(envelope.Type));
            writer.WriteEndElement();
            writer.WriteEndElement();
            writer.WriteEndElement();
            writer.WriteEndElement();
            writer.WriteEndElement();
        });
    }

    private static byte[] Write(bool declaration, Action<XmlWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = XmlWriter.Create(stream, Settings))
        {
            if (declaration)
                writer.WriteProcessingInstruction("xml", "version=\"1.0\"");
            write(writer);
        }

        return stream.ToArray();
    }

    private static void WriteTyped(XmlWriter writer, string name, JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                writer.WriteStartElement("MAP");
                writer.WriteAttributeString("isArray", "false");
                writer.WriteAttributeString("name", name);
                foreach (var (key, value) in obj)
                    WriteTyped(writer, key, value);
                writer.WriteEndElement();
                return;
            case JsonArray array:
                writer.WriteStartElement("MAP");
                writer.WriteAttributeString("isArray", "true");
                writer.WriteAttributeString("name", name);
                for (var i = 0; i < array.Count; i++)
                    WriteTyped(writer, "0x" + i.ToString("x8", CultureInfo.InvariantCulture), array[i]);
                writer.WriteEndElement();
                return;
        }

        var (tag, text) = Scalar(node as JsonValue);
        writer.WriteStartElement(tag);
        writer.WriteAttributeString("name", name);
        if (text is not null)
            WriteText(writer, text);
        writer.WriteEndElement();
    }

    // Line breaks as character references, so that an event stays on one line (file sinks) and reads back as it was.
    private static void WriteText(XmlWriter writer, string text)
    {
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] is not ('\n' or '\r'))
                continue;
            writer.WriteString(text[start..i]);
            writer.WriteCharEntity(text[i]);
            start = i + 1;
        }

        writer.WriteString(text[start..]);
    }

    private static void WriteMember(XmlWriter writer, string name, JsonNode? node)
    {
        writer.WriteStartElement("member");
        writer.WriteElementString("name", name);
        writer.WriteStartElement("value");
        WriteRpcValue(writer, node);
        writer.WriteEndElement();
        writer.WriteEndElement();
    }

    private static void WriteRpcValue(XmlWriter writer, JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                writer.WriteStartElement("struct");
                foreach (var (key, value) in obj)
                    WriteMember(writer, key, value);
                writer.WriteEndElement();
                return;
            case JsonArray array:
                writer.WriteStartElement("array");
                writer.WriteStartElement("data");
                foreach (var item in array)
                {
                    writer.WriteStartElement("value");
                    WriteRpcValue(writer, item);
                    writer.WriteEndElement();
                }

                writer.WriteEndElement();
                writer.WriteEndElement();
                return;
        }

        var (tag, text) = Scalar(node as JsonValue);
        var (rpcTag, rpcText) = tag switch
        {
            "NULL" => ("nil", null),
            "BOOL" => ("boolean", text == "true" ? "1" : "0"),
            "INT64" or "UINT64" => ("int", text),
            "DOUBLE" => ("double", text),
            _ => ("string", text),
        };
        writer.WriteStartElement(rpcTag);
        if (rpcText is not null)
            WriteText(writer, rpcText);
        writer.WriteEndElement();
    }

    /// <summary>A scalar's variant type and text: the CLR type it was made from decides between INT64, UINT64 and DOUBLE.</summary>
    private static (string Tag, string? Text) Scalar(JsonValue? value)
    {
        if (value is null)
            return ("NULL", null);
        switch (value.GetValueKind())
        {
            case JsonValueKind.String:
                return ("STR", value.GetValue<string>());
            case JsonValueKind.True:
                return ("BOOL", "true");
            case JsonValueKind.False:
                return ("BOOL", "false");
            case JsonValueKind.Number:
                break;
            default:
                return ("NULL", null);
        }

        if (value.TryGetValue<JsonElement>(out var element))
        {
            if (element.TryGetInt64(out var parsed))
                return ("INT64", parsed.ToString(CultureInfo.InvariantCulture));
            if (element.TryGetUInt64(out var unsigned))
                return ("UINT64", unsigned.ToString(CultureInfo.InvariantCulture));
            return ("DOUBLE", element.GetDouble().ToString("F3", CultureInfo.InvariantCulture));
        }

        return value.GetValue<object>() switch
        {
            ulong or uint or ushort or byte => ("UINT64", Convert.ToUInt64(value.GetValue<object>(), CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture)),
            double or float or decimal => ("DOUBLE", Convert.ToDouble(value.GetValue<object>(), CultureInfo.InvariantCulture).ToString("F3", CultureInfo.InvariantCulture)),
            var other => ("INT64", Convert.ToInt64(other, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture)),
        };
    }
}
