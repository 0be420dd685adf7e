using Org.BouncyCastle.Security;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;

namespace EmsSharp.Protocols.Dtls.BouncyCastle;

/// <summary>What the BouncyCastle client and server share: identity, use_srtp, fingerprint check, exporter.</summary>
internal sealed class BcSrtpSupport(BcTlsCrypto crypto, DtlsCertificate certificate, string remoteFingerprint)
{
    /// <summary>Our preference order: GCM first (cheaper per packet), then AES-CM/HMAC-SHA1-80.</summary>
    public static readonly int[] OfferedProfiles =
        [SrtpProtectionProfile.AeadAes128Gcm, SrtpProtectionProfile.Aes128CmHmacSha1_80];

    /// <summary>ECDHE with ECDSA only: both WebRTC peers use ECDSA certificates here.</summary>
    public static readonly int[] CipherSuites =
    [
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
    ];

    private readonly Certificate _chain = new([crypto.CreateCertificate(certificate.CertificateDer)]);
    private readonly Org.BouncyCastle.Crypto.AsymmetricKeyParameter _key =
        PrivateKeyFactory.CreateKey(certificate.PrivateKeyPkcs8);

    public ushort SelectedProfile { get; set; }

    public TlsCredentialedSigner CreateSigner(TlsContext context) =>
        new BcDefaultTlsCredentialedSigner(new TlsCryptoParameters(context), crypto, _key, _chain,
            new SignatureAndHashAlgorithm(HashAlgorithm.sha256, SignatureAlgorithm.ecdsa));

    /// <summary>RFC 5763 §5: the peer's certificate must hash to the SDP <c>a=fingerprint</c>.</summary>
    public void VerifyPeer(Certificate? chain)
    {
        if (chain is null || chain.IsEmpty)
        {
            throw new TlsFatalAlert(AlertDescription.bad_certificate, "peer sent no certificate");
        }

        var actual = DtlsCertificate.ComputeFingerprint(chain.GetCertificateAt(0).GetEncoded());
        if (!string.Equals(actual, remoteFingerprint, StringComparison.OrdinalIgnoreCase))
        {
            throw new TlsFatalAlert(AlertDescription.bad_certificate, "fingerprint mismatch");
        }
    }

    /// <summary>RFC 5764 §4.2: EXTRACTOR-dtls_srtp, 2 × (key + salt) bytes for the negotiated profile.</summary>
    public DtlsSrtpKeys Export(TlsContext context, bool isClient)
    {
        SrtpProtectionProfile.TryGetLengths(SelectedProfile, out var k, out var s);
        var material = context.ExportKeyingMaterial(ExporterLabel.dtls_srtp, null, 2 * (k + s));
        return new DtlsSrtpKeys(SelectedProfile, material, isClient);
    }
}
