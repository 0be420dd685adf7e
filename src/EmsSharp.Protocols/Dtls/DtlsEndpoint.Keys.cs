using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EmsSharp.Protocols.Srtp;

namespace EmsSharp.Protocols.Dtls;

/// <summary>Certificates, signatures, ECDHE and the key schedule (RFC 5246 §7.4.2, §7.4.3, §8.1; RFC 8422 §5.4; RFC 7627).</summary>
public sealed partial class DtlsEndpoint
{
    private void HandlePeerCertificate(byte[] body)
    {
        // RFC 5246 §7.4.2: certificate_list<0..2^24-1> of ASN.1Cert<1..2^24-1>; the first is the peer's own.
        var r = new DtlsReader(body);
        var list = new DtlsReader(r.ReadVector24());
        r.ExpectEnd("Certificate");
        if (list.IsEmpty)
        {
            throw new DtlsAlertException(DtlsAlert.HandshakeFailure, "peer sent no certificate");
        }

        var leaf = list.ReadVector24(1);
        for (var count = 1; !list.IsEmpty; count++)
        {
            if (count >= MaxCertificates)
            {
                throw new DtlsAlertException(DtlsAlert.BadCertificate, "certificate chain too long");
            }

            list.ReadVector24(1);
        }

        // RFC 5763 §5 / RFC 8122 §5: the certificate must hash to the SDP a=fingerprint; no chain, no CA, no dates.
        var actual = DtlsCertificate.ComputeFingerprint(leaf);
        if (!string.Equals(actual, _remoteFingerprint, StringComparison.OrdinalIgnoreCase))
        {
            throw new DtlsAlertException(DtlsAlert.BadCertificate, "fingerprint mismatch");
        }

        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadCertificate(leaf);
        }
        catch (CryptographicException e)
        {
            throw new DtlsAlertException(DtlsAlert.BadCertificate, "unreadable certificate: " + e.Message);
        }

        using (certificate)
        {
            _peerEcdsa = certificate.GetECDsaPublicKey();
            if (_peerEcdsa is not null)
            {
                if (_peerEcdsa.ExportParameters(false).Curve.Oid?.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
                {
                    throw new DtlsAlertException(DtlsAlert.UnsupportedCertificate, "peer ECDSA key is not on P-256");
                }

                return;
            }

            _peerRsa = certificate.GetRSAPublicKey()
                ?? throw new DtlsAlertException(DtlsAlert.UnsupportedCertificate, "peer key is neither ECDSA nor RSA");
        }
    }

    // digitally-signed (RFC 5246 §4.7): SignatureAndHashAlgorithm, then signature<0..2^16-1>.
    private void VerifyPeerSignature(ReadOnlySpan<byte> body, ReadOnlySpan<byte> signed, string what)
    {
        var r = new DtlsReader(body);
        var algorithm = r.ReadUInt16();
        var signature = r.ReadVector16(1);
        r.ExpectEnd(what);
        bool valid;
        try
        {
            valid = algorithm switch
            {
                EcdsaSecp256r1Sha256 when _peerEcdsa is { } ecdsa =>
                    ecdsa.VerifyData(signed, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence),
                RsaPkcs1Sha256 when _peerRsa is { } rsa =>
                    rsa.VerifyData(signed, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
                _ => throw new DtlsAlertException(DtlsAlert.IllegalParameter,
                    $"{what} signed with algorithm 0x{algorithm:X4}, which does not fit the peer's key or was not offered"),
            };
        }
        catch (CryptographicException)
        {
            valid = false;
        }

        if (!valid)
        {
            // RFC 5246 §7.2.2: a signature that does not verify is decrypt_error.
            throw new DtlsAlertException(DtlsAlert.DecryptError, $"{what} signature does not verify");
        }
    }

    private byte[] Sign(ReadOnlySpan<byte> data)
    {
        var signature = _signingKey is RSA rsa
            ? rsa.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            : ((ECDsa)_signingKey).SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        var w = new Writer();
        w.UInt16(OurSignatureAlgorithm);
        w.Vector16(signature);
        return w.ToArray();
    }

    private byte[] BuildCertificate()
    {
        var w = new Writer();
        w.UInt24(3 + _certificateDer.Length);
        w.UInt24(_certificateDer.Length);
        w.Bytes(_certificateDer);
        return w.ToArray();
    }

    private static byte[] BuildPoint(ECDiffieHellman key)
    {
        var q = key.ExportParameters(false).Q;
        var point = new byte[1 + P256PointLength];
        point[0] = P256PointLength;
        point[1] = 4; // uncompressed (RFC 8422 §5.4.1)
        q.X!.CopyTo(point, 2);
        q.Y!.CopyTo(point, 2 + 32);
        return point;
    }

    private byte[] DeriveSharedSecret(ReadOnlySpan<byte> peerPoint)
    {
        // RFC 8422 §5.4.1 / §5.1.2: uncompressed points only; the shared secret is the x-coordinate (§5.10).
        if (peerPoint.Length != P256PointLength || peerPoint[0] != 4)
        {
            throw new DtlsAlertException(DtlsAlert.IllegalParameter, "peer ECDH key is not an uncompressed P-256 point");
        }

        try
        {
            using var peer = ECDiffieHellman.Create(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint { X = peerPoint.Slice(1, 32).ToArray(), Y = peerPoint.Slice(33, 32).ToArray() },
            });
            return _ecdh!.DeriveRawSecretAgreement(peer.PublicKey);
        }
        catch (CryptographicException e)
        {
            throw new DtlsAlertException(DtlsAlert.IllegalParameter, "peer ECDH key is not on P-256: " + e.Message);
        }
    }

    private void DeriveKeys(byte[] preMaster)
    {
        // RFC 7627 §4: with extended_master_secret, the master secret binds the transcript through ClientKeyExchange;
        // else RFC 5246 §8.1.
        _masterSecret = _extendedMasterSecret
            ? DtlsPrf.Compute(preMaster, "extended master secret", TranscriptHash(), 48)
            : DtlsPrf.Compute(preMaster, "master secret", Randoms(client: true), 48);
        CryptographicOperations.ZeroMemory(preMaster);

        // RFC 5246 §6.3 and RFC 5288 §3: client_write_key, server_write_key (16 each), client and server salts (4 each).
        var block = DtlsPrf.Compute(_masterSecret, "key expansion", Randoms(client: false), 40);
        var client = Role == DtlsRole.Client;
        _writeCipher = AesGcmCiphers.Create(block.AsSpan(client ? 0 : 16, 16));
        _readCipher = AesGcmCiphers.Create(block.AsSpan(client ? 16 : 0, 16));
        _records = new DtlsAeadRecords(_writeCipher, block.AsSpan(client ? 32 : 36, 4), _readCipher,
            block.AsSpan(client ? 36 : 32, 4), epoch: 1, nextWrite: 0);
        CryptographicOperations.ZeroMemory(block);
    }
}
