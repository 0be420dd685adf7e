using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace EmsSharp.Server.Api;

/// <summary>Renders an <see cref="ApiReply"/> for each transport (PROTOCOL.md §1.3).</summary>
internal static class ReplyFormatter
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly JsonSerializerOptions ScalarOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The envelope as compact UTF-8 JSON, exactly <c>data</c>, <c>description</c>, <c>status</c>.</summary>
    public static byte[] ToJsonUtf8(ApiReply reply)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WritePropertyName("data");
            if (reply.Data is null)
                writer.WriteNullValue();
            else
                reply.Data.WriteTo(writer);
            writer.WriteString("description", reply.Description);
            writer.WriteString("status", reply.Status);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static string ToJson(ApiReply reply) => Encoding.UTF8.GetString(ToJsonUtf8(reply));

    /// <summary>
    /// The ASCII CLI form: <c>key: value</c> lines indented by nesting, scalars in JSON notation
    /// (so <c>""</c>, <c>3535</c> and <c>"3535"</c> stay distinguishable), ended by an empty line.
    /// </summary>
    public static string ToAscii(ApiReply reply)
    {
        var sb = new StringBuilder();
        sb.Append("status: ").Append(reply.Status).Append('\n');
        sb.Append("description: ").Append(reply.Description).Append('\n');
        sb.Append("data:");
        AppendNode(sb, reply.Data, 1);
        sb.Append("\n\n");
        return sb.ToString();
    }

    private static void AppendNode(StringBuilder sb, JsonNode? node, int depth)
    {
        switch (node)
        {
            case JsonObject obj when obj.Count > 0:
                foreach (var (key, value) in obj)
                {
                    sb.Append('\n').Append(' ', depth * 2).Append(key).Append(':');
                    AppendNode(sb, value, depth + 1);
                }

                break;
            case JsonArray array when array.Count > 0:
                foreach (var item in array)
                {
                    sb.Append('\n').Append(' ', depth * 2).Append('-');
                    AppendNode(sb, item, depth + 1);
                }

                break;
            case null:
                sb.Append(" null");
                break;
            default:
                sb.Append(' ').Append(node.ToJsonString(ScalarOptions));
                break;
        }
    }
}
