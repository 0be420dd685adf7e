using System.Security.Cryptography;
using System.Text;
using EmsSharp.Media.Hub;

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

    /// <summary>
    /// Decides a request for <paramref name="name"/> that carries <c>key=...</c> (or not) in <paramref name="query"/>
    /// against <paramref name="secrets"/>: empty admits everyone, else only the name's key (or the <c>*</c> one).
    /// </summary>
    public static KeyCheck Check(IReadOnlyDictionary<string, string> secrets, string name, string query) =>
        CheckKey(secrets, name, secrets.Count == 0 ? null : QueryValue(query, "key"));

    /// <summary>
    /// Decides a request for <paramref name="name"/> that presents <paramref name="given"/> (null: none) against
    /// <paramref name="secrets"/>: empty admits everyone, else only the name's key (or the <c>*</c> one).
    /// </summary>
    public static KeyCheck CheckKey(IReadOnlyDictionary<string, string> secrets, string name, string? given)
    {
        if (secrets.Count == 0)
        {
            return KeyCheck.Admitted;
        }

        if (!TryGetSecret(secrets, name, out var expected))
        {
            return KeyCheck.NoKeyForName;
        }

        return given is null ? KeyCheck.KeyMissing : SecretEquals(given, expected) ? KeyCheck.Admitted : KeyCheck.WrongKey;
    }

    /// <summary>
    /// Adds to <paramref name="failures"/> what is wrong with configured <paramref name="secrets"/>: every name must be a
    /// valid stream name or <c>*</c>, every key non-empty. <paramref name="option"/> names the setting in the messages.
    /// </summary>
    public static void Validate(IReadOnlyDictionary<string, string> secrets, string option, List<string> failures)
    {
        foreach (var (keyedName, key) in secrets)
        {
            if (keyedName != AnyName && !StreamName.IsValid(keyedName, out var invalid))
            {
                failures.Add($"{option}: {invalid} ({keyedName}).");
            }

            if (string.IsNullOrEmpty(key))
            {
                failures.Add($"{option}:{keyedName} has an empty key.");
            }
        }
    }

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
