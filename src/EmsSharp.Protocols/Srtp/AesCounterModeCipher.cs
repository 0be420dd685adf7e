using System.Numerics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace EmsSharp.Protocols.Srtp;

/// <summary>
/// AES in counter mode (RFC 3711 §4.1.1): the keystream is AES-ECB over consecutive counter blocks,
/// generated in batches through one reusable ECB transform so that no call allocates.
/// </summary>
internal sealed class AesCounterModeCipher : IDisposable
{
    private const int BatchBlocks = 96;
    private readonly Aes _aes;
    private readonly ICryptoTransform _ecb;
    private readonly byte[] _counters = new byte[BatchBlocks * 16];
    private readonly byte[] _keystream = new byte[BatchBlocks * 16];

    public AesCounterModeCipher(ReadOnlySpan<byte> key)
    {
        _aes = SrtpKeyDerivation.CreateAes(key);
        _aes.Mode = CipherMode.ECB;
        _aes.Padding = PaddingMode.None;
        _ecb = _aes.CreateEncryptor();
    }

    /// <summary>
    /// XORs <paramref name="data"/> with the keystream starting at <paramref name="iv"/> (16 bytes whose
    /// low 16 bits are zero); block i uses IV + i (RFC 3711 §4.1.1).
    /// </summary>
    public void Transform(ReadOnlySpan<byte> iv, Span<byte> data)
    {
        int block = 0;
        while (!data.IsEmpty)
        {
            int chunk = Math.Min(data.Length, BatchBlocks * 16);
            int blocks = (chunk + 15) / 16;
            for (int i = 0; i < blocks; i++, block++)
            {
                var counter = _counters.AsSpan(i * 16, 16);
                iv.CopyTo(counter);
                counter[14] = (byte)(block >> 8);
                counter[15] = (byte)block;
            }
            _ecb.TransformBlock(_counters, 0, blocks * 16, _keystream, 0);
            Xor(data[..chunk], _keystream);
            data = data[chunk..];
        }
    }

    private static void Xor(Span<byte> data, ReadOnlySpan<byte> keystream)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var dataVectors = MemoryMarshal.Cast<byte, Vector<byte>>(data);
            var keyVectors = MemoryMarshal.Cast<byte, Vector<byte>>(keystream);
            for (int v = 0; v < dataVectors.Length; v++)
            {
                dataVectors[v] ^= keyVectors[v];
            }
            i = dataVectors.Length * Vector<byte>.Count;
        }
        for (; i < data.Length; i++)
        {
            data[i] ^= keystream[i];
        }
    }

    public void Dispose()
    {
        _ecb.Dispose();
        _aes.Dispose();
    }
}
