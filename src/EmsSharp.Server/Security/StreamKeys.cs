using System.Security.Cryptography;
using System.Text;

namespace EmsSharp.Server.Security;

/// <summary>
/// Secrets by stream name, <c>*</c> standing for any other name (publish keys, read keys), and the parts of a
/// <c>name?key=...</c> request. Secrets are compared in constant time, so a refusal does not tell how much of a guess
/// was right.
/// </summary>
internal static class StreamKeys
{
    /// <summary>The fallback entry's name.</summary>
    public const string AnyName = "*";

    /// <summary>The secret configured for <paramref name="name"/>, else the <c>*</c> one, else false.</summary>
    public static bool TryGetSecret(IReadOnlyDictionary<string, string> secrets, string name, out string secret) =>
        secrets.TryGetValue(name, out secret!) || secrets.TryGetValue(AnyName, out secret!);

    /// <summary>True when <paramref name="given"/> is <paramref name="expected"/>, in time independent of the match.</summary>
    public static bool SecretEquals(string? given, string expected) =>
        given is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(expected));

    /// <summary>Splits <c>name?query</c>; the query is empty when there is none.</summary>
    public static (string Name, string Query) Split(string requested)
    {
        var mark = requested.IndexOf('?', StringComparison.Ordinal);
        return mark >= 0 ? (requested[..mark], requested[(mark + 1)..]) : (requested, string.Empty);
    }

    /// <summary>The unescaped value of the first <paramref name="parameter"/> in a <c>a=1&amp;b=2</c> query, else null.</summary>
    public static string? QueryValue(string query, string parameter)
    {
        foreach (var part in query.Split('&'))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals == parameter.Length && part.StartsWith(parameter, StringComparison.Ordinal))
            {
                return Uri.UnescapeDataString(part[(equals + 1)..]);
            }
        }

        return null;
    }
}
