using EmsSharp.Protocols.Ice;

namespace EmsSharp.Protocols.Sdp;

/// <summary>
/// The ICE lines of an <c>application/trickle-ice-sdpfrag</c> body (RFC 8840 §9) as a WHIP or WHEP client PATCHes it
/// (RFC 9725 §4.3): its <c>a=ice-ufrag</c> and <c>a=ice-pwd</c>, if any, and its <c>a=candidate</c> lines. Other lines
/// (<c>m=</c>, <c>a=mid</c>, <c>a=group</c>, <c>a=ice-options</c>, <c>a=end-of-candidates</c>) carry nothing the server
/// uses, and candidates it cannot parse (it pairs with none of them anyway) are skipped, as they always were.
/// </summary>
public sealed class TrickleIceFragment
{
    /// <summary>Most candidate lines one fragment may carry (a browser gathers a handful per network interface).</summary>
    public const int MaxCandidates = 64;

    // RFC 8839 §5.4: ufrag = 4*256ice-char, pwd = 22*256ice-char.
    private const int MaxCredentialLength = 256;

    private TrickleIceFragment(string? ufrag, string? password, List<IceCandidate> candidates)
    {
        Ufrag = ufrag;
        Password = password;
        Candidates = candidates;
    }

    /// <summary>The fragment's <c>a=ice-ufrag</c>, null when it has none.</summary>
    public string? Ufrag { get; }

    /// <summary>The fragment's <c>a=ice-pwd</c>, null when it has none.</summary>
    public string? Password { get; }

    /// <summary>The candidates it carries, in order.</summary>
    public IReadOnlyList<IceCandidate> Candidates { get; }

    /// <summary>
    /// Reads a fragment (CRLF or LF line ends; the caller bounds its size). False, with a reason for the client, when it
    /// names two ICE sessions (differing ufrags or passwords) or carries more than <see cref="MaxCandidates"/> candidates.
    /// </summary>
    public static bool TryParse(string text, out TrickleIceFragment? fragment, out string error)
    {
        ArgumentNullException.ThrowIfNull(text);
        fragment = null;
        string? ufrag = null;
        string? password = null;
        var candidates = new List<IceCandidate>();
        var candidateLines = 0;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.StartsWith("a=ice-ufrag:", StringComparison.Ordinal))
            {
                if (!Keep(ref ufrag, line["a=ice-ufrag:".Length..]))
                {
                    error = "the fragment has two a=ice-ufrag values: one ICE session per PATCH";
                    return false;
                }
            }
            else if (line.StartsWith("a=ice-pwd:", StringComparison.Ordinal))
            {
                if (!Keep(ref password, line["a=ice-pwd:".Length..]))
                {
                    error = "the fragment has two a=ice-pwd values: one ICE session per PATCH";
                    return false;
                }
            }
            else if (line.StartsWith("a=candidate:", StringComparison.Ordinal))
            {
                if (++candidateLines > MaxCandidates)
                {
                    error = $"more than {MaxCandidates} a=candidate lines in one fragment";
                    return false;
                }

                if (IceCandidate.TryParse(line, out var candidate))
                {
                    candidates.Add(candidate!);
                }
            }
        }

        fragment = new TrickleIceFragment(ufrag, password, candidates);
        error = string.Empty;
        return true;
    }

    /// <summary>
    /// Whether the fragment asks for an ICE restart of a session whose peer's ufrag is <paramref name="remoteUfrag"/>:
    /// it names another ufrag (RFC 8839 §4.4.1.1.1, RFC 9725 §4.3.3).
    /// </summary>
    public bool IsRestartOf(string remoteUfrag) => Ufrag is not null && Ufrag != remoteUfrag;

    /// <summary>
    /// The new credentials of a restart: both present and well-formed (RFC 8839 §5.4: 4 to 256, and 22 to 256,
    /// ice-chars). False with a reason for the client otherwise.
    /// </summary>
    public bool TryGetRestartCredentials(out string ufrag, out string password, out string error)
    {
        ufrag = Ufrag ?? string.Empty;
        password = Password ?? string.Empty;
        error = Password is null ? "an ICE restart (a new a=ice-ufrag) needs its a=ice-pwd in the same fragment"
            : !IsIceChars(ufrag, 4) ? "a=ice-ufrag must be 4 to 256 characters of A-Z, a-z, 0-9, + and / (RFC 8839 §5.4)"
            : !IsIceChars(password, 22) ? "a=ice-pwd must be 22 to 256 characters of A-Z, a-z, 0-9, + and / (RFC 8839 §5.4)"
            : string.Empty;
        return error.Length == 0;
    }

    private static bool Keep(ref string? kept, string value)
    {
        kept ??= value;
        return kept == value;
    }

    private static bool IsIceChars(string value, int minLength)
    {
        if (value.Length < minLength || value.Length > MaxCredentialLength)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('+' or '/'))
            {
                return false;
            }
        }

        return true;
    }
}
