using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;

namespace EmsSharp.Protocols.Dtls.BouncyCastle;

/// <summary>The DTLS 1.2 server side: requires a client certificate and picks an SRTP profile.</summary>
internal sealed class BcDtlsServer(BcTlsCrypto crypto, BcSrtpSupport srtp, int resendMillis) : DefaultTlsServer(crypto)
{
    public DtlsSrtpKeys? Keys { get; private set; }

    public override int GetHandshakeTimeoutMillis() => BcDtlsTransport.HandshakeTimeoutMillis;

    public override int GetHandshakeResendTimeMillis() => resendMillis;

    protected override ProtocolVersion[] GetSupportedVersions() => ProtocolVersion.DTLSv12.Only();

    protected override int[] GetSupportedCipherSuites() => BcSrtpSupport.CipherSuites;

    protected override TlsCredentialedSigner GetECDsaSignerCredentials() => srtp.CreateSigner(m_context);

    public override CertificateRequest GetCertificateRequest() =>
        new([ClientCertificateType.ecdsa_sign, ClientCertificateType.rsa_sign],
            TlsUtilities.GetDefaultSupportedSignatureAlgorithms(m_context), null);

    public override void NotifyClientCertificate(Certificate clientCertificate) => srtp.VerifyPeer(clientCertificate);

    public override void ProcessClientExtensions(IDictionary<int, byte[]> clientExtensions)
    {
        base.ProcessClientExtensions(clientExtensions);
        // RFC 5764 §4.1.1: choose one of the client's profiles, in our preference order.
        var offered = TlsSrtpUtilities.GetUseSrtpExtension(clientExtensions)
            ?? throw new TlsFatalAlert(AlertDescription.handshake_failure, "no use_srtp extension");
        foreach (var ours in BcSrtpSupport.OfferedProfiles)
        {
            if (Array.IndexOf(offered.ProtectionProfiles, ours) >= 0)
            {
                srtp.SelectedProfile = (ushort)ours;
                return;
            }
        }

        throw new TlsFatalAlert(AlertDescription.handshake_failure, "no common SRTP profile");
    }

    public override IDictionary<int, byte[]> GetServerExtensions()
    {
        var extensions = base.GetServerExtensions() ?? new Dictionary<int, byte[]>();
        TlsSrtpUtilities.AddUseSrtpExtension(extensions, new UseSrtpData([srtp.SelectedProfile], []));
        return extensions;
    }

    public override void NotifyHandshakeComplete()
    {
        base.NotifyHandshakeComplete();
        Keys = srtp.Export(m_context, isClient: false);
    }
}
