using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace EmsSharp.Protocols.Srtp;

/// <summary>
/// <see cref="IAesGcmCipher"/> on OpenSSL 3's EVP interface (libcrypto, the library .NET's <c>AesGcm</c> wraps on
/// Linux), keyed once per direction. .NET's wrapper costs about as much as the cipher on a media packet: each call
/// goes through its native shim, which clears OpenSSL's error queue before each of the five or six EVP calls, and sets
/// the nonce length again; a profile of the ems at 250 viewers had <c>ERR_clear_error</c> alone at 4 % of its CPU.
/// Here a packet is five EVP calls: the nonce (<c>EVP_CipherInit_ex</c> with no cipher and no key keeps both), the
/// associated data, the data, the final step and the tag (EVP_EncryptInit(3), "GCM and OCB Modes").
/// </summary>
internal sealed unsafe partial class OpenSslAesGcmCipher : IAesGcmCipher
{
    private const string Library = "libcrypto.so.3";

    // <openssl/evp.h>
    private const int CtrlAeadGetTag = 0x10;
    private const int CtrlAeadSetTag = 0x11;
    private const int KeepDirection = -1;

    private static readonly Lazy<bool> Available = new(Probe);

    // The key, until both directions are keyed: a context is made on the first use of its direction, since most users
    // only ever seal (a viewer's SRTP, a record layer's sending half) or only open.
    private byte[]? _key;
    private CipherContext? _encrypt;
    private CipherContext? _decrypt;

    public OpenSslAesGcmCipher(ReadOnlySpan<byte> key)
    {
        AesGcmCiphers.CheckKey(key);
        _key = key.ToArray();
    }

    /// <summary>Whether libcrypto 3 loads here and encrypts a probe message exactly as .NET's <c>AesGcm</c> does.</summary>
    public static bool IsAvailable => Available.Value;

    public void Encrypt(ReadOnlySpan<byte> nonce, Span<byte> data, Span<byte> tag, ReadOnlySpan<byte> aad)
    {
        if (!Run(_encrypt ??= Keyed(encrypt: true), nonce, data, tag, aad, encrypt: true))
        {
            throw new CryptographicException("OpenSSL AES-GCM encryption failed");
        }
    }

    public bool TryDecrypt(ReadOnlySpan<byte> nonce, Span<byte> data, ReadOnlySpan<byte> tag, ReadOnlySpan<byte> aad)
    {
        if (Run(_decrypt ??= Keyed(encrypt: false), nonce, data, tag, aad, encrypt: false))
        {
            return true;
        }

        data.Clear();
        return false;
    }

    public void Dispose()
    {
        _encrypt?.Dispose();
        _decrypt?.Dispose();
        if (_key is { } key)
        {
            CryptographicOperations.ZeroMemory(key);
            _key = null;
        }
    }

    private CipherContext Keyed(bool encrypt)
    {
        var key = _key ?? throw new ObjectDisposedException(nameof(OpenSslAesGcmCipher));
        var context = CipherContext.Create(key, encrypt);
        if (_encrypt is not null || _decrypt is not null)
        {
            CryptographicOperations.ZeroMemory(key); // the other direction is keyed already
            _key = null;
        }

        return context;
    }

    // One packet in place: the nonce, the associated data, the data, then the tag out (encrypt) or in and compared by the
    // final step (decrypt: false for a forged packet, the only failure expected there). OpenSSL's error queue is left empty.
    private static bool Run(CipherContext context, ReadOnlySpan<byte> nonce, Span<byte> data, ReadOnlySpan<byte> tag,
        ReadOnlySpan<byte> aad, bool encrypt)
    {
        AesGcmCiphers.CheckSizes(nonce, tag.Length); // the contexts keep OpenSSL's default GCM nonce length, 12
        var added = false;
        try
        {
            context.DangerousAddRef(ref added);
            var ctx = context.DangerousGetHandle();
            byte* scratch = stackalloc byte[16];
            fixed (byte* n = nonce, d = data, t = tag, a = aad)
            {
                int written;
                var ok = EVP_CipherInit_ex(ctx, 0, 0, null, n, KeepDirection) > 0
                    && (aad.Length == 0 || EVP_CipherUpdate(ctx, null, &written, a, aad.Length) > 0)
                    && (data.Length == 0 || EVP_CipherUpdate(ctx, d, &written, d, data.Length) > 0)
                    && (encrypt || EVP_CIPHER_CTX_ctrl(ctx, CtrlAeadSetTag, AesGcmCiphers.TagLength, t) > 0)
                    && EVP_CipherFinal_ex(ctx, scratch, &written) > 0
                    && (!encrypt || EVP_CIPHER_CTX_ctrl(ctx, CtrlAeadGetTag, AesGcmCiphers.TagLength, t) > 0);
                if (!ok)
                {
                    ERR_clear_error();
                }

                return ok;
            }
        }
        finally
        {
            if (added)
            {
                context.DangerousRelease();
            }
        }
    }

    // One message through this and .NET's AesGcm: the same ciphertext and tag, and it decrypts.
    private static bool Probe()
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            var key = RandomNumberGenerator.GetBytes(16);
            var nonce = RandomNumberGenerator.GetBytes(12);
            var aad = RandomNumberGenerator.GetBytes(12);
            var plain = RandomNumberGenerator.GetBytes(100);
            var ours = plain.ToArray();
            var theirs = plain.ToArray();
            var ourTag = new byte[AesGcmCiphers.TagLength];
            var theirTag = new byte[AesGcmCiphers.TagLength];
            using var openSsl = new OpenSslAesGcmCipher(key);
            using var dotNet = new DotNetAesGcmCipher(key);
            openSsl.Encrypt(nonce, ours, ourTag, aad);
            dotNet.Encrypt(nonce, theirs, theirTag, aad);
            return ours.AsSpan().SequenceEqual(theirs) && ourTag.AsSpan().SequenceEqual(theirTag)
                && openSsl.TryDecrypt(nonce, ours, ourTag, aad) && ours.AsSpan().SequenceEqual(plain);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or CryptographicException)
        {
            return false;
        }
    }

    [LibraryImport(Library)]
    private static partial nint EVP_CIPHER_CTX_new();

    [LibraryImport(Library)]
    private static partial void EVP_CIPHER_CTX_free(nint ctx);

    [LibraryImport(Library)]
    private static partial nint EVP_aes_128_gcm();

    [LibraryImport(Library)]
    private static partial nint EVP_aes_256_gcm();

    [LibraryImport(Library)]
    private static partial int EVP_CipherInit_ex(nint ctx, nint cipher, nint engine, byte* key, byte* iv, int enc);

    [LibraryImport(Library)]
    private static partial int EVP_CipherUpdate(nint ctx, byte* output, int* outputLength, byte* input, int inputLength);

    [LibraryImport(Library)]
    private static partial int EVP_CipherFinal_ex(nint ctx, byte* output, int* outputLength);

    [LibraryImport(Library)]
    private static partial int EVP_CIPHER_CTX_ctrl(nint ctx, int type, int arg, void* ptr);

    [LibraryImport(Library)]
    private static partial void ERR_clear_error();

    /// <summary>An <c>EVP_CIPHER_CTX</c> keyed for one direction, freed when the last call using it returns.</summary>
    private sealed class CipherContext : SafeHandleZeroOrMinusOneIsInvalid
    {
        private CipherContext()
            : base(ownsHandle: true)
        {
        }

        public static CipherContext Create(ReadOnlySpan<byte> key, bool encrypt)
        {
            var cipher = key.Length == 16 ? EVP_aes_128_gcm() : EVP_aes_256_gcm();
            var context = new CipherContext();
            context.SetHandle(EVP_CIPHER_CTX_new());
            if (context.IsInvalid)
            {
                throw new CryptographicException("EVP_CIPHER_CTX_new failed");
            }

            fixed (byte* k = key)
            {
                if (EVP_CipherInit_ex(context.handle, cipher, 0, k, null, encrypt ? 1 : 0) <= 0)
                {
                    ERR_clear_error();
                    context.Dispose();
                    throw new CryptographicException("EVP_CipherInit_ex refused the AES-GCM key");
                }
            }

            return context;
        }

        protected override bool ReleaseHandle()
        {
            EVP_CIPHER_CTX_free(handle);
            return true;
        }
    }
}
