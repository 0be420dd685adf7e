using System.Buffers.Binary;
using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace EmsSharp.Protocols.Turn;

/// <summary>
/// Stateless NONCEs (RFC 8489 §9.2): the expiry and an HMAC over it and the client IP under a key
/// drawn at start, so a nonce is bound to its client and ages out without a table.
/// </summary>
internal sealed class TurnNonces(TimeSpan lifetime)
{
    /// <summary>
    /// RFC 8489 §9.2: the nonce cookie "obMatJos2" then the 24-bit security feature set in base64;
    /// "AAAA" = no features (no PASSWORD-ALGORITHMS, no USERHASH), i.e. MD5 keys as in RFC 5389.
    /// </summary>
    private const string CookieAndFeatures = "obMatJos2AAAA";

    private const int MacLength = 12;
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);

    public string Create(IPAddress client, TimeSpan now)
    {
        Span<byte> token = stackalloc byte[8 + MacLength];
        BinaryPrimitives.WriteInt64BigEndian(token, (now + lifetime).Ticks);
        Sign(token[..8], client, token[8..]);
        return CookieAndFeatures + Base64Url.EncodeToString(token);
    }

    /// <summary>True when <paramref name="nonce"/> is one of ours, for this client, not yet expired.</summary>
    public bool IsValid(ReadOnlySpan<byte> nonce, IPAddress client, TimeSpan now)
    {
        Span<byte> token = stackalloc byte[8 + MacLength];
        var cookie = Encoding.ASCII.GetBytes(CookieAndFeatures);
        if (!nonce.StartsWith(cookie)
            || Base64Url.DecodeFromUtf8(nonce[cookie.Length..], token, out _, out int written) != System.Buffers.OperationStatus.Done
            || written != token.Length)
        {
            return false;
        }

        Span<byte> mac = stackalloc byte[MacLength];
        Sign(token[..8], client, mac);
        return CryptographicOperations.FixedTimeEquals(mac, token[8..])
            && now < TimeSpan.FromTicks(BinaryPrimitives.ReadInt64BigEndian(token));
    }

    private void Sign(ReadOnlySpan<byte> expiry, IPAddress client, Span<byte> mac)
    {
        Span<byte> input = stackalloc byte[8 + 16];
        expiry.CopyTo(input);
        client.TryWriteBytes(input[8..], out int length);
        Span<byte> full = stackalloc byte[32];
        HMACSHA256.HashData(_key, input[..(8 + length)], full);
        full[..MacLength].CopyTo(mac);
    }
}
