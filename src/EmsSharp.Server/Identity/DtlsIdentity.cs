using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace EmsSharp.Server.Identity;

/// <summary>
/// The server's DTLS identity (certificate with private key) for the WebRTC stack, and where it lives.
/// The fingerprint is what goes into SDP <c>a=fingerprint:sha-256</c> (RFC 8122 §5).
/// </summary>
public sealed class DtlsIdentity : IDisposable
{
    internal DtlsIdentity(X509Certificate2 certificate, string certificatePath, string keyPath)
    {
        Certificate = certificate;
        CertificatePath = certificatePath;
        KeyPath = keyPath;
        Fingerprint = FormatFingerprint(certificate.GetCertHash(HashAlgorithmName.SHA256));
    }

    /// <summary>The certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>SHA-256 of the DER certificate as upper-case hex pairs separated by colons (<c>AA:BB:...</c>).</summary>
    public string Fingerprint { get; }

    /// <summary>Path of the PEM certificate (the <c>sslCert</c> of WebRTC configurations).</summary>
    public string CertificatePath { get; }

    /// <summary>Path of the PEM private key (the <c>sslKey</c> of WebRTC configurations).</summary>
    public string KeyPath { get; }

    /// <summary>Formats a hash as <c>AA:BB:...</c> (RFC 8122 §5 fingerprint syntax).</summary>
    public static string FormatFingerprint(ReadOnlySpan<byte> hash)
    {
        var sb = new StringBuilder(hash.Length * 3);
        foreach (var b in hash)
        {
            if (sb.Length > 0)
                sb.Append(':');
            sb.Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
        }

        return sb.ToString();
    }

    /// <inheritdoc />
    public void Dispose() => Certificate.Dispose();
}
