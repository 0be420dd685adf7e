using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace EmsSharp.Protocols.Turn;

/// <summary>
/// Time-limited TURN credentials (draft-uberti-behave-turn-rest-00 §2.2): username =
/// <c>"&lt;expiry unix seconds&gt;:&lt;tag&gt;"</c>, password = base64(HMAC-SHA1(secret, username)).
/// A username whose expiry has passed, or whose tag <paramref name="isTagLive"/> refuses, has no password.
/// </summary>
/// <param name="secret">The shared secret.</param>
/// <param name="time">Wall clock for the expiry.</param>
/// <param name="isTagLive">Optional check of the tag (e.g. "this socket still exists"); null accepts any tag.</param>
public sealed class TurnRestCredentials(string secret, TimeProvider time, Func<string, bool>? isTagLive = null)
    : ITurnCredentialStore
{
    /// <summary>The password of <paramref name="username"/> under <paramref name="secret"/>.</summary>
    public static string ComputePassword(string secret, string username) =>
        Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(username)));

    /// <summary>Mints a username and password for <paramref name="tag"/>, valid for <paramref name="lifetime"/>.</summary>
    public (string Username, string Password) Mint(string tag, TimeSpan lifetime)
    {
        long expiry = time.GetUtcNow().Add(lifetime).ToUnixTimeSeconds();
        string username = string.Create(CultureInfo.InvariantCulture, $"{expiry}:{tag}");
        return (username, ComputePassword(secret, username));
    }

    /// <inheritdoc/>
    public string? GetPassword(string username)
    {
        ArgumentNullException.ThrowIfNull(username);
        int colon = username.IndexOf(':', StringComparison.Ordinal);
        string expiryText = colon < 0 ? username : username[..colon];
        string tag = colon < 0 ? string.Empty : username[(colon + 1)..];
        if (!long.TryParse(expiryText, NumberStyles.None, CultureInfo.InvariantCulture, out long expiry)
            || expiry <= time.GetUtcNow().ToUnixTimeSeconds()
            || (isTagLive is not null && !isTagLive(tag)))
        {
            return null;
        }

        return ComputePassword(secret, username);
    }
}
