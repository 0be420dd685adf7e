using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace EmsSharp.Server.Events;

/// <summary>
/// One event as the sinks receive it, EvoStream's <c>{id, payload, processId, timestamp, type}</c> (shared/EVOSTREAM-API.md
/// §5.1): <see cref="Payload"/> already carries <c>PID</c> and the sink's <c>customData</c>, members in byte order. Built and
/// read on the publisher's thread only; each serialized body is made once and shared by the sinks that want it.
/// </summary>
internal sealed class EventEnvelope(long id, long timestamp, string type, JsonObject payload)
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly byte[]?[] _bodies = new byte[3][];

    /// <summary>The server's event counter, from 1; one event keeps one id across sinks.</summary>
    public long Id { get; } = id;

    /// <summary>When the event was published, in unix seconds.</summary>
    public long Timestamp { get; } = timestamp;

    public string Type { get; } = type;

    public JsonObject Payload { get; } = payload;

    /// <summary>The RPC body in <paramref name="serializer"/>'s form, made at the first call.</summary>
    public byte[] Body(EventSerializerType serializer) => _bodies[(int)serializer] ??= serializer switch
    {
        EventSerializerType.Xml => EventXml.ToXml(this, declaration: true),
        EventSerializerType.XmlRpc => EventXml.ToXmlRpc(this),
        _ => ToJson(),
    };

    private byte[] ToJson()
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteNumber("id", Id);
            writer.WritePropertyName("payload");
            Payload.WriteTo(writer);
            writer.WriteNumber("processId", Environment.ProcessId);
            writer.WriteNumber("timestamp", Timestamp);
            writer.WriteString("type", Type);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
