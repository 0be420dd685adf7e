using System.Text.Json;
using System.Text.Json.Serialization;

namespace EmsSharp.Rendezvous.Configuration;

/// <summary>
/// One entry of <c>emsTokens</c>: the EvoStream form is a bare string (the token admits any room); ours is
/// <c>{"token":"...","room":"..."}</c>, a token that admits its EMS to that room only.
/// </summary>
/// <param name="Token">The secret an EMS presents (<c>startWebrtc token=</c>).</param>
/// <param name="Room">The one room it admits, or null for any allowed room.</param>
[JsonConverter(typeof(EmsTokenOptionsConverter))]
public sealed record EmsTokenOptions(string Token, string? Room = null);

/// <summary>Reads a bare string or an object; writes a bare string when the token is not bound to a room.</summary>
internal sealed class EmsTokenOptionsConverter : JsonConverter<EmsTokenOptions>
{
    public override EmsTokenOptions Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return new EmsTokenOptions(NonEmpty(reader.GetString(), "an emsTokens entry"));
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("an emsTokens entry is a string or {\"token\":\"...\",\"room\":\"...\"}");
        }

        string? token = null;
        string? room = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            string name = reader.GetString() ?? string.Empty;
            reader.Read();
            if (name.Equals("token", StringComparison.OrdinalIgnoreCase))
            {
                token = reader.GetString();
            }
            else if (name.Equals("room", StringComparison.OrdinalIgnoreCase))
            {
                room = reader.TokenType == JsonTokenType.Null ? null : NonEmpty(reader.GetString(), "emsTokens[].room");
            }
            else
            {
                reader.Skip();
            }
        }

        return new EmsTokenOptions(NonEmpty(token, "emsTokens[].token"), room);
    }

    public override void Write(Utf8JsonWriter writer, EmsTokenOptions value, JsonSerializerOptions options)
    {
        if (value.Room is null)
        {
            writer.WriteStringValue(value.Token);
            return;
        }

        writer.WriteStartObject();
        writer.WriteString("token", value.Token);
        writer.WriteString("room", value.Room);
        writer.WriteEndObject();
    }

    private static string NonEmpty(string? value, string what) =>
        string.IsNullOrEmpty(value) ? throw new JsonException($"{what} must be a non-empty string") : value;
}
