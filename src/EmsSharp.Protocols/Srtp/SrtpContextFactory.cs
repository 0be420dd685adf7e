using System.Diagnostics.CodeAnalysis;

namespace EmsSharp.Protocols.Srtp;

/// <summary>Builds the two SRTP contexts of a DTLS-SRTP session from the exported keying material.</summary>
public static class SrtpContextFactory
{
    /// <summary>
    /// Splits the keying material exported by DTLS (RFC 5764 §4.2: client_write_key | server_write_key |
    /// client_write_salt | server_write_salt) and creates the local (protect) and remote (unprotect)
    /// contexts. The DTLS client protects with the client keys. False for an unknown profile id or a
    /// keying material of the wrong length.
    /// </summary>
    /// <param name="profileId">Negotiated protection profile id (0x0001 or 0x0007).</param>
    /// <param name="keyingMaterial">2 * (key + salt) bytes: 60 for AES-CM, 56 for AES-GCM.</param>
    /// <param name="isDtlsClient">Whether this side was the DTLS client.</param>
    /// <param name="local">Context that protects what we send.</param>
    /// <param name="remote">Context that unprotects what we receive.</param>
    public static bool TryCreate(
        ushort profileId,
        ReadOnlySpan<byte> keyingMaterial,
        bool isDtlsClient,
        [NotNullWhen(true)] out SrtpContext? local,
        [NotNullWhen(true)] out SrtpContext? remote)
    {
        local = null;
        remote = null;
        if (!SrtpProfileParameters.IsSupported(profileId))
        {
            return false;
        }
        var profile = (SrtpProtectionProfile)profileId;
        int keyLength = SrtpProfileParameters.MasterKeyLength;
        int saltLength = SrtpProfileParameters.MasterSaltLength(profile);
        if (keyingMaterial.Length != 2 * (keyLength + saltLength))
        {
            return false;
        }
        var clientKey = keyingMaterial[..keyLength];
        var serverKey = keyingMaterial.Slice(keyLength, keyLength);
        var clientSalt = keyingMaterial.Slice(2 * keyLength, saltLength);
        var serverSalt = keyingMaterial.Slice((2 * keyLength) + saltLength, saltLength);
        var client = SrtpContext.FromMasterKey(profile, clientKey, clientSalt);
        var server = SrtpContext.FromMasterKey(profile, serverKey, serverSalt);
        (local, remote) = isDtlsClient ? (client, server) : (server, client);
        return true;
    }

    /// <summary>Length of the keying material to export for <paramref name="profileId"/>, or 0 if unsupported.</summary>
    public static int GetKeyingMaterialLength(ushort profileId) =>
        SrtpProfileParameters.IsSupported(profileId)
            ? 2 * (SrtpProfileParameters.MasterKeyLength + SrtpProfileParameters.MasterSaltLength((SrtpProtectionProfile)profileId))
            : 0;
}
