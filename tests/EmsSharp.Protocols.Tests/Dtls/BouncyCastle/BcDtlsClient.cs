using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;

namespace EmsSharp.Protocols.Dtls.BouncyCastle;

/// <summary>The DTLS 1.2 client side: offers use_srtp and authenticates with our certificate.</summary>
internal sealed class BcDtlsClient(BcTlsCrypto crypto, BcSrtpSupport srtp, int resendMillis) : DefaultTlsClient(crypto)
{
    private readonly BcSrtpSupport _srtp = srtp;

    public DtlsSrtpKeys? Keys { get; private set; }

    public override int GetHandshakeTimeoutMillis() => BcDtlsTransport.HandshakeTimeoutMillis;

    public override int GetHandshakeResendTimeMillis() => resendMillis;

    protected override ProtocolVersion[] GetSupportedVersions() => ProtocolVersion.DTLSv12.Only();

    protected override int[] GetSupportedCipherSuites() => BcSrtpSupport.CipherSuites;

    public override IDictionary<int, byte[]> GetClientExtensions()
    {
        var extensions = base.GetClientExtensions() ?? new Dictionary<int, byte[]>();
        TlsSrtpUtilities.AddUseSrtpExtension(extensions, new UseSrtpData(BcSrtpSupport.OfferedProfiles, []));
        return extensions;
    }

    public override void ProcessServerExtensions(IDictionary<int, byte[]> serverExtensions)
    {
        base.ProcessServerExtensions(serverExtensions);
        var chosen = TlsSrtpUtilities.GetUseSrtpExtension(serverExtensions);
        if (chosen is null || chosen.ProtectionProfiles.Length != 1 ||
            Array.IndexOf(BcSrtpSupport.OfferedProfiles, chosen.ProtectionProfiles[0]) < 0)
        {
            throw new TlsFatalAlert(AlertDescription.illegal_parameter, "bad use_srtp answer");
        }

        _srtp.SelectedProfile = (ushort)chosen.ProtectionProfiles[0];
    }

    public override TlsAuthentication GetAuthentication() => new Authentication(this);

    public override void NotifyHandshakeComplete()
    {
        base.NotifyHandshakeComplete();
        Keys = _srtp.Export(m_context, isClient: true);
    }

    private sealed class Authentication(BcDtlsClient client) : TlsAuthentication
    {
        public void NotifyServerCertificate(TlsServerCertificate serverCertificate) =>
            client._srtp.VerifyPeer(serverCertificate.Certificate);

        public TlsCredentials GetClientCredentials(CertificateRequest certificateRequest) =>
            client._srtp.CreateSigner(client.m_context);
    }
}
