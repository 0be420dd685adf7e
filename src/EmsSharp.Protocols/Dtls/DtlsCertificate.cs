using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EmsSharp.Protocols.Dtls;

/// <summary>The local DTLS identity: an ECDSA P-256 certificate with its private key, and its SDP fingerprint.</summary>
public sealed class DtlsCertificate
{
    /// <summary>Wraps a certificate that has an ECDSA private key.</summary>
    public DtlsCertificate(X509Certificate2 certificate)
    {
        using var key = certificate.GetECDsaPrivateKey()
            ?? throw new ArgumentException("The certificate has no ECDSA private key.", nameof(certificate));
        CertificateDer = certificate.RawData;
        PrivateKeyPkcs8 = key.ExportPkcs8PrivateKey();
        Fingerprint = ComputeFingerprint(CertificateDer);
    }

    /// <summary>DER encoding of the certificate.</summary>
    public byte[] CertificateDer { get; }

    /// <summary>PKCS#8 encoding of the private key.</summary>
    public byte[] PrivateKeyPkcs8 { get; }

    /// <summary>SHA-256 fingerprint, upper-case hex pairs joined by colons (RFC 8122 §5).</summary>
    public string Fingerprint { get; }

    /// <summary>Loads a PEM certificate and its PEM (PKCS#8 or SEC1) ECDSA key.</summary>
    public static DtlsCertificate FromPem(string certificatePem, string keyPem)
    {
        using var cert = X509Certificate2.CreateFromPem(certificatePem, keyPem);
        return new DtlsCertificate(cert);
    }

    /// <summary>Creates a self-signed ECDSA P-256 certificate valid for 30 days from now.</summary>
    public static DtlsCertificate Generate(string subject = "CN=EmsSharp")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        var now = DateTimeOffset.UtcNow;
        using var cert = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));
        return new DtlsCertificate(cert);
    }

    /// <summary>SHA-256 fingerprint of a DER certificate in SDP form.</summary>
    public static string ComputeFingerprint(ReadOnlySpan<byte> der)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(der, hash);
        return string.Join(':', Convert.ToHexString(hash).Chunk(2).Select(c => new string(c)));
    }
}
