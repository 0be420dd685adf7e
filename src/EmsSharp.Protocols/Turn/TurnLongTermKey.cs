using System.Security.Cryptography;
using System.Text;

namespace EmsSharp.Protocols.Turn;

/// <summary>The long-term credential key (RFC 8489 §9.2.2): MD5(username ":" realm ":" password).</summary>
/// <remarks>
/// The password is used as given: no SASLprep/OpaqueString processing, which this build cannot do
/// (invariant globalization has no NFKC). The passwords this server checks are base64 (ASCII), for
/// which the processing changes nothing.
/// </remarks>
internal static class TurnLongTermKey
{
    public static byte[] Derive(string username, string realm, string password) =>
        MD5.HashData(Encoding.UTF8.GetBytes($"{username}:{realm}:{password}"));
}
