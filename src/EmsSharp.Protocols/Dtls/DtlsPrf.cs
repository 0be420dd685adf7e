using System.Security.Cryptography;
using System.Text;

namespace EmsSharp.Protocols.Dtls;

/// <summary>The TLS 1.2 PRF with HMAC-SHA256 (RFC 5246 §5), which DTLS 1.2 keeps (RFC 6347 §4.2).</summary>
internal static class DtlsPrf
{
    /// <summary>PRF(secret, label, seed) = P_SHA256(secret, label + seed), written to <paramref name="output"/>.</summary>
    public static void Compute(ReadOnlySpan<byte> secret, string label, ReadOnlySpan<byte> seed, Span<byte> output)
    {
        var labelSeed = new byte[Encoding.ASCII.GetByteCount(label) + seed.Length];
        var n = Encoding.ASCII.GetBytes(label, labelSeed);
        seed.CopyTo(labelSeed.AsSpan(n));

        // P_hash (RFC 5246 §5): A(0) = seed, A(i) = HMAC(secret, A(i-1)), output = HMAC(secret, A(i) + seed) ...
        using var hmac = new HMACSHA256(secret.ToArray());
        var a = labelSeed;
        var block = new byte[32 + labelSeed.Length];
        var written = 0;
        while (written < output.Length)
        {
            a = hmac.ComputeHash(a);
            a.CopyTo(block, 0);
            labelSeed.CopyTo(block, 32);
            var chunk = hmac.ComputeHash(block);
            var take = Math.Min(chunk.Length, output.Length - written);
            chunk.AsSpan(0, take).CopyTo(output[written..]);
            written += take;
        }
    }

    /// <summary>PRF output as a new array.</summary>
    public static byte[] Compute(ReadOnlySpan<byte> secret, string label, ReadOnlySpan<byte> seed, int length)
    {
        var output = new byte[length];
        Compute(secret, label, seed, output);
        return output;
    }
}
