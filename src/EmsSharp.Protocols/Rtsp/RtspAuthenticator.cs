using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace EmsSharp.Protocols.Rtsp;

/// <summary>
/// Client credentials for RTSP (RFC 2326 §D.2 uses HTTP authentication): Basic (RFC 7617) and Digest
/// (RFC 2617 §3.2.2, MD5, with or without qop=auth). Learns the scheme from a 401's WWW-Authenticate and
/// then produces the Authorization value for each request. No I/O; the client nonce is supplied.
/// </summary>
public sealed class RtspAuthenticator(string user, string password, string clientNonce)
{
    private string? _scheme;
    private string _realm = "";
    private string _nonce = "";
    private string? _opaque;
    private bool _qopAuth;
    private int _nonceCount;

    /// <summary>True once a challenge was accepted.</summary>
    public bool HasChallenge => _scheme is not null;

    /// <summary>
    /// Takes the challenges of a 401 (all WWW-Authenticate values); prefers Digest over Basic. False when
    /// none is usable (then the credentials cannot help).
    /// </summary>
    public bool TryAcceptChallenge(IEnumerable<string> challenges)
    {
        string? basicRealm = null;
        foreach (var challenge in challenges)
        {
            if (challenge.StartsWith("Digest ", StringComparison.OrdinalIgnoreCase))
            {
                var parameters = ParseParameters(challenge[7..]);
                if (!parameters.TryGetValue("nonce", out var nonce) ||
                    (parameters.TryGetValue("algorithm", out var algorithm) && !algorithm.Equals("MD5", StringComparison.OrdinalIgnoreCase)))
                {
                    continue;
                }

                _scheme = "Digest";
                _realm = parameters.GetValueOrDefault("realm", "");
                _nonce = nonce;
                _opaque = parameters.GetValueOrDefault("opaque");
                _qopAuth = parameters.TryGetValue("qop", out var qop) &&
                    qop.Split(',').Any(static q => q.Trim().Equals("auth", StringComparison.OrdinalIgnoreCase));
                _nonceCount = 0;
                return true;
            }

            if (challenge.StartsWith("Basic", StringComparison.OrdinalIgnoreCase))
            {
                basicRealm = ParseParameters(challenge[5..]).GetValueOrDefault("realm", "");
            }
        }

        if (basicRealm is null)
        {
            return false;
        }

        _scheme = "Basic";
        _realm = basicRealm;
        return true;
    }

    /// <summary>The Authorization header value for a request, or null before a challenge.</summary>
    public string? GetAuthorization(string method, string uri)
    {
        switch (_scheme)
        {
            case "Basic":
                // RFC 7617 §2: base64(user ":" password).
                return "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password));
            case "Digest":
                {
                    var builder = new StringBuilder("Digest username=\"").Append(user)
                        .Append("\", realm=\"").Append(_realm)
                        .Append("\", nonce=\"").Append(_nonce)
                        .Append("\", uri=\"").Append(uri).Append('"');
                    string? nc = null;
                    if (_qopAuth)
                    {
                        nc = (++_nonceCount).ToString("x8", CultureInfo.InvariantCulture);
                        builder.Append(", qop=auth, nc=").Append(nc).Append(", cnonce=\"").Append(clientNonce).Append('"');
                    }

                    var response = DigestResponse(user, _realm, password, _nonce, method, uri, nc, clientNonce);
                    builder.Append(", response=\"").Append(response).Append('"');
                    if (_opaque is not null)
                    {
                        builder.Append(", opaque=\"").Append(_opaque).Append('"');
                    }

                    return builder.ToString();
                }

            default:
                return null;
        }
    }

    /// <summary>Parses <c>k=v, k="v, w"</c> auth-params (RFC 2617 §1.2).</summary>
    public static Dictionary<string, string> ParseParameters(string text)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        int i = 0;
        while (i < text.Length && result.Count < 32)
        {
            while (i < text.Length && (text[i] == ',' || text[i] == ' ' || text[i] == '\t'))
            {
                i++;
            }

            int equals = text.IndexOf('=', i);
            if (equals < 0)
            {
                break;
            }

            var name = text[i..equals].Trim();
            i = equals + 1;
            string value;
            if (i < text.Length && text[i] == '"')
            {
                int close = text.IndexOf('"', i + 1);
                if (close < 0)
                {
                    break;
                }

                value = text[(i + 1)..close];
                i = close + 1;
            }
            else
            {
                int comma = text.IndexOf(',', i);
                var end = comma < 0 ? text.Length : comma;
                value = text[i..end].Trim();
                i = end;
            }

            result[name] = value;
        }

        return result;
    }

    /// <summary>
    /// The Digest <c>response</c> (RFC 2617 §3.2.2.1): with qop=auth (<paramref name="nonceCount"/> set)
    /// KD(H(A1), nonce:nc:cnonce:auth:H(A2)), else, for RFC 2069 compatibility, KD(H(A1), nonce:H(A2)); A1 =
    /// user:realm:password (§3.2.2.2), A2 = method:uri (§3.2.2.3).
    /// </summary>
    internal static string DigestResponse(
        string user, string realm, string password, string nonce, string method, string uri, string? nonceCount, string? clientNonce)
    {
        var ha1 = Md5Hex(user + ":" + realm + ":" + password);
        var ha2 = Md5Hex(method + ":" + uri);
        return nonceCount is null
            ? Md5Hex(ha1 + ":" + nonce + ":" + ha2)
            : Md5Hex(ha1 + ":" + nonce + ":" + nonceCount + ":" + clientNonce + ":auth:" + ha2);
    }

    // MD5 is what RFC 2617 Digest mandates; it authenticates, it does not protect secrets at rest.
#pragma warning disable CA5351
    private static string Md5Hex(string text) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(text)));
#pragma warning restore CA5351
}
