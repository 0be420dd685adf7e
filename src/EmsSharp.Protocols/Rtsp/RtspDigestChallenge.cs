using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace EmsSharp.Protocols.Rtsp;

/// <summary>
/// The server side of RTSP Digest authentication (RFC 2326 §D.2 borrows HTTP's; RFC 2617 §3.2.1 challenge, §3.2.2
/// response, MD5, with or without qop=auth): one challenge per connection, with a nonce the caller supplies, and the
/// check of a client's <c>Authorization</c> against a password. No I/O.
/// </summary>
public sealed class RtspDigestChallenge(string realm, string nonce)
{
    /// <summary>The <c>WWW-Authenticate</c> value of a 401 (RFC 2617 §3.2.1; qop=auth offered, RFC 2069 answers accepted).</summary>
    public string Header => $"Digest realm=\"{realm}\", nonce=\"{nonce}\", algorithm=MD5, qop=\"auth\"";

    /// <summary>
    /// Reads a Digest <c>Authorization</c> value answering this challenge (same realm and nonce, MD5): false for any
    /// other scheme, a stale or foreign nonce, or missing fields.
    /// </summary>
    public bool TryReadResponse(string? authorization, [NotNullWhen(true)] out RtspDigestResponse? response)
    {
        response = null;
        if (authorization is null || !authorization.StartsWith("Digest ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var fields = RtspAuthenticator.ParseParameters(authorization[7..]);
        if (!fields.TryGetValue("username", out var user) || !fields.TryGetValue("uri", out var uri) ||
            !fields.TryGetValue("response", out var answer) || fields.GetValueOrDefault("realm") != realm ||
            fields.GetValueOrDefault("nonce") != nonce ||
            (fields.TryGetValue("algorithm", out var algorithm) && !algorithm.Equals("MD5", StringComparison.OrdinalIgnoreCase)))
        {
            return false;
        }

        var qop = fields.GetValueOrDefault("qop");
        if (qop is not null && !(qop.Equals("auth", StringComparison.OrdinalIgnoreCase) && fields.ContainsKey("nc") && fields.ContainsKey("cnonce")))
        {
            return false;
        }

        response = new RtspDigestResponse(user, uri, answer, qop is null ? null : fields["nc"], qop is null ? null : fields["cnonce"]);
        return true;
    }

    /// <summary>True when <paramref name="response"/> was computed with <paramref name="password"/> for <paramref name="method"/>.</summary>
    public bool Verify(RtspDigestResponse response, string method, string password)
    {
        ArgumentNullException.ThrowIfNull(response);
        var expected = RtspAuthenticator.DigestResponse(
            response.Username, realm, password, nonce, method, response.Uri, response.NonceCount, response.ClientNonce);

        // Constant time, so the comparison does not tell how much of a guess was right.
        return CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(response.Response.ToLowerInvariant()));
    }
}

/// <summary>A client's Digest answer (RFC 2617 §3.2.2): who, for which URI, and the response with its qop fields.</summary>
/// <param name="Username">The user name the client claims.</param>
/// <param name="Uri">The digest-uri the response covers.</param>
/// <param name="Response">The 32 hex digits.</param>
/// <param name="NonceCount">nc with qop=auth, else null.</param>
/// <param name="ClientNonce">cnonce with qop=auth, else null.</param>
public sealed record RtspDigestResponse(string Username, string Uri, string Response, string? NonceCount, string? ClientNonce);
