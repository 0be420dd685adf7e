using System.Security.Cryptography;

namespace EmsSharp.Protocols.Dtls;

/// <summary>The server side of the handshake (RFC 5246 §7.3): ClientHello, the server's flight, ClientKeyExchange.</summary>
public sealed partial class DtlsEndpoint
{
    private void HandleClientHello(byte[] body)
    {
        var r = new DtlsReader(body);
        var version = r.ReadUInt16();
        r.ReadBytes(RandomLength).CopyTo(_clientRandom);
        if (r.ReadVector8().Length > 32)
        {
            throw new DtlsAlertException(DtlsAlert.IllegalParameter, "session_id longer than 32 bytes");
        }

        r.ReadVector8(); // cookie: ignored, see below
        var suites = r.ReadVector16(2);
        var compression = r.ReadVector8(1);
        List<(ushort Type, byte[] Data)> extensions = r.IsEmpty ? [] : ReadExtensions(ref r);
        r.ExpectEnd("ClientHello");

        // We never send HelloVerifyRequest (RFC 6347 §4.2.1 makes cookies optional): ICE connectivity checks already
        // proved the peer answers at its address, so there is no spoofed-address amplification left to stop.
        if (version > Dtls12)
        {
            // DTLS versions count down: 0xFEFF is 1.0, 0xFEFD 1.2; a larger number is an older version.
            throw new DtlsAlertException(DtlsAlert.ProtocolVersion, $"client offers only version 0x{version:X4}");
        }

        _suite = _signingKey is RSA ? RsaSuite : EcdsaSuite;
        if (!ContainsUInt16(suites, _suite))
        {
            throw new DtlsAlertException(DtlsAlert.HandshakeFailure, $"no common cipher suite (0x{_suite:X4})");
        }

        if (compression.IndexOf((byte)0) < 0)
        {
            throw new DtlsAlertException(DtlsAlert.IllegalParameter, "null compression not offered");
        }

        var renegotiationInfo = ContainsUInt16(suites, EmptyRenegotiationInfoScsv);
        var pointFormats = false;
        foreach (var (type, data) in extensions)
        {
            switch (type)
            {
                case ExtUseSrtp:
                    var (profiles, _) = ReadUseSrtp(data);
                    foreach (var ours in SrtpProfiles)
                    {
                        if (Array.IndexOf(profiles, ours) >= 0)
                        {
                            _srtpProfile = ours;
                            break;
                        }
                    }

                    break;
                case ExtExtendedMasterSecret:
                    ExpectEmpty(data, "extended_master_secret");
                    _extendedMasterSecret = true; // RFC 7627 §5.2: offered, so used
                    break;
                case ExtRenegotiationInfo:
                    if (data is not [0])
                    {
                        throw new DtlsAlertException(DtlsAlert.HandshakeFailure, "renegotiation_info not empty"); // RFC 5746 §3.6
                    }

                    renegotiationInfo = true;
                    break;
                case ExtSupportedGroups:
                    var groups = new DtlsReader(data);
                    var list = groups.ReadVector16(2);
                    groups.ExpectEnd("supported_groups");
                    if (!ContainsUInt16(list, Secp256r1))
                    {
                        throw new DtlsAlertException(DtlsAlert.HandshakeFailure, "client does not support secp256r1");
                    }

                    break;
                case ExtEcPointFormats:
                    CheckPointFormats(data);
                    pointFormats = true;
                    break;
                case ExtSignatureAlgorithms:
                    var algorithms = new DtlsReader(data);
                    var pairs = algorithms.ReadVector16(2);
                    algorithms.ExpectEnd("signature_algorithms");
                    if (!ContainsUInt16(pairs, OurSignatureAlgorithm))
                    {
                        throw new DtlsAlertException(DtlsAlert.HandshakeFailure,
                            $"client does not accept our signature algorithm 0x{OurSignatureAlgorithm:X4}");
                    }

                    break;
            }
        }

        if (_srtpProfile == 0)
        {
            throw new DtlsAlertException(DtlsAlert.HandshakeFailure, "no common SRTP profile (use_srtp)");
        }

        _serverHelloExtensions = (renegotiationInfo, pointFormats);
    }

    private void SendServerFlight(TimeSpan now)
    {
        RandomNumberGenerator.Fill(_serverRandom);
        var hello = new Writer();
        hello.UInt16(Dtls12);
        hello.Bytes(_serverRandom);
        hello.UInt8(0); // session_id: no resumption
        hello.UInt16(_suite);
        hello.UInt8(0);
        var extensions = hello.BeginVector16();
        hello.UInt16(ExtUseSrtp);
        hello.UInt16(5);
        hello.UInt16(2);
        hello.UInt16(_srtpProfile);
        hello.UInt8(0);
        if (_extendedMasterSecret)
        {
            hello.UInt16(ExtExtendedMasterSecret);
            hello.UInt16(0);
        }

        if (_serverHelloExtensions.RenegotiationInfo)
        {
            hello.UInt16(ExtRenegotiationInfo);
            hello.UInt16(1);
            hello.UInt8(0);
        }

        if (_serverHelloExtensions.PointFormats)
        {
            hello.UInt16(ExtEcPointFormats);
            hello.UInt16(2);
            hello.UInt8(1);
            hello.UInt8(0);
        }

        hello.EndVector16(extensions);

        // ServerKeyExchange (RFC 8422 §5.4), signed with our certificate's key.
        _ecdh = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var parameters = new Writer();
        parameters.UInt8(3); // named_curve
        parameters.UInt16(Secp256r1);
        parameters.Bytes(BuildPoint(_ecdh));
        var ecdhParams = parameters.ToArray();
        var signed = new byte[(2 * RandomLength) + ecdhParams.Length];
        _clientRandom.CopyTo(signed, 0);
        _serverRandom.CopyTo(signed, RandomLength);
        ecdhParams.CopyTo(signed, 2 * RandomLength);
        byte[] keyExchange = [.. ecdhParams, .. Sign(signed)];

        // CertificateRequest (RFC 5246 §7.4.4): WebRTC authenticates both sides (RFC 8827 §6.5, RFC 5763 §5).
        var request = new Writer();
        request.UInt8(2);
        request.UInt8(EcdsaSign);
        request.UInt8(RsaSign);
        request.UInt16(4);
        request.UInt16(EcdsaSecp256r1Sha256);
        request.UInt16(RsaPkcs1Sha256);
        request.UInt16(0); // certificate_authorities: any

        SendFlight(
        [
            Message(ServerHelloType, hello.ToArray()),
            Message(CertificateType, BuildCertificate()),
            Message(ServerKeyExchangeType, keyExchange),
            Message(CertificateRequestType, request.ToArray()),
            Message(ServerHelloDoneType, []),
        ], expectsReply: true, now);
    }

    private void HandleClientKeyExchange(byte[] body)
    {
        // RFC 8422 §5.7: ClientECDiffieHellmanPublic { ECPoint ecdh_Yc<1..2^8-1> }.
        var r = new DtlsReader(body);
        var point = r.ReadVector8(1);
        r.ExpectEnd("ClientKeyExchange");
        DeriveKeys(DeriveSharedSecret(point));
    }
}
