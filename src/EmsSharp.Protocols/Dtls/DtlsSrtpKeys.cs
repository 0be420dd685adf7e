namespace EmsSharp.Protocols.Dtls;

/// <summary>
/// The outcome of a DTLS-SRTP handshake: the negotiated profile and the exporter output
/// <c>EXTRACTOR-dtls_srtp</c> laid out as client_key | server_key | client_salt | server_salt (RFC 5764 §4.2).
/// </summary>
/// <param name="ProfileId">The negotiated <see cref="SrtpProtectionProfile"/>.</param>
/// <param name="KeyingMaterial">2 × (key length + salt length) bytes.</param>
/// <param name="IsDtlsClient">True when this side was the DTLS client: its sending key is the client key.</param>
public sealed record DtlsSrtpKeys(ushort ProfileId, byte[] KeyingMaterial, bool IsDtlsClient)
{
    /// <summary>The master key and salt this side protects outgoing packets with.</summary>
    public (byte[] Key, byte[] Salt) GetLocalKeys() => Split(IsDtlsClient);

    /// <summary>The master key and salt the peer protects its packets with.</summary>
    public (byte[] Key, byte[] Salt) GetRemoteKeys() => Split(!IsDtlsClient);

    private (byte[] Key, byte[] Salt) Split(bool client)
    {
        SrtpProtectionProfile.TryGetLengths(ProfileId, out var k, out var s);
        var key = KeyingMaterial.AsSpan(client ? 0 : k, k).ToArray();
        var salt = KeyingMaterial.AsSpan((2 * k) + (client ? 0 : s), s).ToArray();
        return (key, salt);
    }
}
