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
    /// The ASCII CLI form, EvoStream's layout (shared/EVOSTREAM-API.md §6): <c>Command entered successfully!</c> or
    /// <c>Command failed!</c>, the description, then the data as <c>key: value</c> lines indented 4 spaces and 2 more per
    /// level (an object's or array's key printed <c>key: </c> with its children below, array items <c>-- item</c>, an empty
    /// array <c>[]</c>), scalars as they are (strings unquoted, null empty). Lines end with LF CR, as EvoStream's do; a
    /// reply ends with LF CR LF (success) or LF CR LF CR (failure) after an empty line. With <see cref="ApiReply.AsciiMembers"/>,
    /// only those members are printed, at every level (pullStream's <c>uri</c> prints its <c>fullUri</c>, <c>port</c> and
    /// <c>scheme</c>), in the reply's order, as EvoStream's ASCII CLI prints its per-command subset.
    /// </summary>
    public static string ToAscii(ApiReply reply)
    {
        var sb = new StringBuilder();
        if (!reply.Success)
        {
            sb.Append("Command failed!").Append(AsciiEnd).Append(reply.Description).Append(AsciiEnd).Append(AsciiEnd).Append(AsciiEnd);
            return sb.ToString();
        }

        sb.Append("Command entered successfully!").Append(AsciiEnd).Append(reply.Description).Append(AsciiEnd).Append(AsciiEnd);
        AppendNode(sb, null, reply.Data, 4, reply.AsciiMembers);
        sb.Append(AsciiEnd).Append('\n');
        return sb.ToString();
    }

    // EvoStream's ASCII CLI ends its lines with LF CR (RMS inboundasciicliprotocol.cpp).
    private const string AsciiEnd = "\n\r";

    // One line per scalar; an object's or array's key on a line of its own ("key: ", trailing space), its children 2 deeper.
    private static void AppendNode(StringBuilder sb, string? key, JsonNode? node, int indent, IReadOnlySet<string>? members)
    {
        var prefix = key is null ? "" : key + ": ";
        switch (node)
        {
            case JsonObject obj:
                if (key is not null)
                    sb.Append(' ', indent).Append(prefix).Append(AsciiEnd);
                foreach (var (name, value) in obj)
                {
                    if (members is null || members.Contains(name))
                        AppendNode(sb, name, value, key is null ? indent : indent + 2, members);
                }

                break;
            case JsonArray array:
                var inner = key is null ? indent : indent + 2;
                if (key is not null)
                    sb.Append(' ', indent).Append(prefix).Append(array.Count == 0 ? "[]" : "").Append(AsciiEnd);
                foreach (var item in array)
                {
                    if (item is JsonObject or JsonArray)
                    {
                        sb.Append(' ', inner).Append("-- ").Append(AsciiEnd);
                        AppendNode(sb, null, item, inner + 2, members);
                    }
                    else
                    {
                        sb.Append(' ', inner).Append("-- ").Append(Scalar(item)).Append(AsciiEnd);
                    }
                }

                break;
            default:
                if (key is not null || node is not null)
                    sb.Append(' ', indent).Append(prefix).Append(Scalar(node)).Append(AsciiEnd);
                break;
        }
    }

    private static string Scalar(JsonNode? node) => node switch
    {
        null => "",
        JsonValue value when value.TryGetValue<string>(out var text) => text,
        _ => node.ToJsonString(ScalarOptions),
    };
}
