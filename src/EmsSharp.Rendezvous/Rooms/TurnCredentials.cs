using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EmsSharp.Protocols.Turn;

namespace EmsSharp.Rendezvous.Rooms;

/// <summary>
/// Builds the <c>turnservers</c> list handed to a client: fixed entries pass through; entries with a
/// <c>secret</c> get time-limited credentials (TURN REST API draft-uberti-behave-turn-rest-00 §2.2:
/// username = expiry unix time, password = base64(HMAC-SHA1(secret, username))).
/// </summary>
internal static class TurnCredentials
{
    private const long DefaultExpirySeconds = 86400;

    public static JsonElement Mint(IReadOnlyList<JsonElement> entries, DateTimeOffset now)
    {
        JsonArray result = [];
        foreach (JsonElement entry in entries)
        {
            if (entry.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            if (!entry.TryGetProperty("secret", out JsonElement secret) || secret.ValueKind != JsonValueKind.String)
            {
                result.Add(JsonNode.Parse(entry.GetRawText()));
                continue;
            }

            long expiry = entry.TryGetProperty("expiry", out JsonElement e) && e.TryGetInt64(out long seconds) && seconds > 0
                ? seconds
                : DefaultExpirySeconds;
            string username = (now.ToUnixTimeSeconds() + expiry).ToString(CultureInfo.InvariantCulture);
            string credential = TurnRestCredentials.ComputePassword(secret.GetString()!, username);
            JsonObject minted = new()
            {
                ["url"] = entry.TryGetProperty("url", out JsonElement url) ? JsonNode.Parse(url.GetRawText()) : null,
                ["username"] = username,
                ["credential"] = credential,
            };
            result.Add(minted);
        }

        return JsonSerializer.SerializeToElement(result);
    }
}
