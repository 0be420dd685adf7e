using System.Text.Json.Nodes;

namespace EmsSharp.Server.Api;

/// <summary>
/// The payloads of <c>cliRequest</c> and <c>cliResponse</c> (shared/EVOSTREAM-API.md §5.3): the command as typed with its
/// parameters (<c>{k: string or [string]}</c>, a value with commas an array, as EvoStream's parser makes it), and the reply
/// envelope. Secrets never leave in clear: a member named like a secret (<c>token</c>, <c>key</c>, <c>password</c>, ...)
/// at any depth, and the password of a URI's user information (<c>rtsp://user:pass@host</c>), are replaced by
/// <see cref="Mask"/>. The CLI password (<c>auth</c>) is checked before any command and never reaches these events.
/// </summary>
internal static class CliEventPayloads
{
    /// <summary>What a secret reads as in an event.</summary>
    public const string Mask = "********";

    // startWebrtc token, shutdownServer key (the request's and the first reply's), and names a later command may take.
    private static readonly HashSet<string> SecretNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "token", "key", "password", "pass", "passwd", "secret", "sslKey", "keyPassword", "authorization",
    };

    public static JsonObject Request(CommandRequest request)
    {
        var parameters = new JsonObject();
        foreach (var (key, value) in request.Arguments)
        {
            parameters[key] = SecretNames.Contains(key) ? Mask
                : value.Contains(',', StringComparison.Ordinal)
                    ? new JsonArray([.. value.Split(',').Select(v => (JsonNode)MaskUri(v))])
                    : MaskUri(value);
        }

        return new JsonObject { ["command"] = request.Name, ["parameters"] = parameters };
    }

    public static JsonObject Response(ApiReply reply) => new()
    {
        ["data"] = MaskSecrets(reply.Data?.DeepClone()),
        ["description"] = reply.Description,
        ["status"] = reply.Status,
    };

    private static JsonNode? MaskSecrets(JsonNode? node)
    {
        switch (node)
        {
            // A node is put back only when it changed: one that still has its parent cannot be assigned again (a
            // JsonArray throws, even at its own index).
            case JsonObject obj:
                foreach (var key in obj.Select(p => p.Key).ToList())
                {
                    var child = obj[key];
                    var replaced = SecretNames.Contains(key) && child is JsonValue ? Mask : MaskSecrets(child);
                    if (!ReferenceEquals(replaced, child))
                        obj[key] = replaced;
                }

                return obj;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    var child = array[i];
                    var replaced = MaskSecrets(child);
                    if (!ReferenceEquals(replaced, child))
                        array[i] = replaced;
                }

                return array;
            // Only a value held as a string can hold a URI (a date or a number written as text cannot, and would throw).
            case JsonValue value when value.TryGetValue<string>(out var text):
                var masked = MaskUri(text);
                return ReferenceEquals(masked, text) ? value : masked;
            default:
                return node;
        }
    }

    /// <summary><paramref name="text"/> with the password of a URI's user information masked; the same string when there is none.</summary>
    public static string MaskUri(string text)
    {
        var scheme = text.IndexOf("://", StringComparison.Ordinal);
        if (scheme <= 0)
            return text;
        var authorityStart = scheme + 3;
        var authorityEnd = text.IndexOfAny(['/', '?', '#'], authorityStart);
        var authority = authorityEnd < 0 ? text[authorityStart..] : text[authorityStart..authorityEnd];
        var at = authority.LastIndexOf('@');
        if (at < 0)
            return text;
        var colon = authority.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0 || colon > at)
            return text;
        return string.Concat(text.AsSpan(0, authorityStart + colon + 1), Mask, text.AsSpan(authorityStart + at));
    }
}
