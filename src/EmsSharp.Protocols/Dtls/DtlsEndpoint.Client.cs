using System.Security.Cryptography;

namespace EmsSharp.Protocols.Dtls;

/// <summary>The client side of the handshake (RFC 5246 §7.3, RFC 6347 §4.2.1): ClientHello, the server's flight, the final flight.</summary>
public sealed partial class DtlsEndpoint
{
    private byte[] BuildClientHello()
    {
        var w = new Writer();
        w.UInt16(Dtls12);
        w.Bytes(_clientRandom);
        w.UInt8(0); // session_id: no resumption
        w.Vector8(_cookie ?? []);
        w.UInt16(4);
        w.UInt16(EcdsaSuite);
        w.UInt16(RsaSuite);
        w.UInt8(1);
        w.UInt8(0); // compression: null
        var extensions = w.BeginVector16();
        w.UInt16(ExtSupportedGroups);
        w.UInt16(4);
        w.UInt16(2);
        w.UInt16(Secp256r1);
        w.UInt16(ExtEcPointFormats);
        w.UInt16(2);
        w.UInt8(1);
        w.UInt8(0); // uncompressed
        w.UInt16(ExtSignatureAlgorithms);
        w.UInt16(6);
        w.UInt16(4);
        w.UInt16(EcdsaSecp256r1Sha256);
        w.UInt16(RsaPkcs1Sha256);
        w.UInt16(ExtUseSrtp);
        w.UInt16((ushort)(2 + (2 * SrtpProfiles.Length) + 1));
        w.UInt16((ushort)(2 * SrtpProfiles.Length));
        foreach (var profile in SrtpProfiles)
        {
            w.UInt16(profile);
        }

        w.UInt8(0); // srtp_mki: none
        w.UInt16(ExtExtendedMasterSecret);
        w.UInt16(0);
        w.UInt16(ExtRenegotiationInfo);
        w.UInt16(1);
        w.UInt8(0); // an initial handshake: renegotiated_connection empty (RFC 5746 §3.4)
        w.EndVector16(extensions);
        return w.ToArray();
    }

    private void HandleHelloVerifyRequest(int seq, byte[] body, TimeSpan now)
    {
        // RFC 6347 §4.2.1: server_version, cookie<0..2^8-1>. Answer with the same ClientHello and the cookie; neither the
        // first ClientHello nor the HelloVerifyRequest is part of the transcript.
        var r = new DtlsReader(body);
        var version = r.ReadUInt16();
        var cookie = r.ReadVector8();
        r.ExpectEnd("HelloVerifyRequest");
        if (version is not (Dtls12 or Dtls10))
        {
            throw new DtlsAlertException(DtlsAlert.ProtocolVersion, $"HelloVerifyRequest version 0x{version:X4}");
        }

        _cookie = cookie.ToArray();
        _peerPreviousFlightLastSeq = seq;
        _transcript.SetLength(0);
        SendFlight([Message(ClientHelloType, BuildClientHello())], expectsReply: true, now);
    }

    private void HandleServerHello(byte[] body)
    {
        var r = new DtlsReader(body);
        var version = r.ReadUInt16();
        r.ReadBytes(RandomLength).CopyTo(_serverRandom);
        if (r.ReadVector8().Length > 32) // session_id (never resumed): SessionID<0..32> (RFC 5246 §7.4.1.2)
        {
            throw new DtlsAlertException(DtlsAlert.IllegalParameter, "session_id longer than 32 bytes");
        }

        var suite = r.ReadUInt16();
        var compression = r.ReadUInt8();
        List<(ushort Type, byte[] Data)> extensions = r.IsEmpty ? [] : ReadExtensions(ref r);
        r.ExpectEnd("ServerHello");
        if (version != Dtls12)
        {
            throw new DtlsAlertException(DtlsAlert.ProtocolVersion, $"server chose version 0x{version:X4}, not DTLS 1.2");
        }

        if (suite is not (EcdsaSuite or RsaSuite) || compression != 0)
        {
            throw new DtlsAlertException(DtlsAlert.IllegalParameter, $"server chose cipher suite 0x{suite:X4}/compression {compression}");
        }

        _suite = suite;

        foreach (var (type, data) in extensions)
        {
            switch (type)
            {
                case ExtUseSrtp:
                    // RFC 5764 §4.1.1: exactly one of the offered profiles, and no MKI (we sent none).
                    var (profiles, mki) = ReadUseSrtp(data);
                    if (profiles.Length != 1 || Array.IndexOf(SrtpProfiles, profiles[0]) < 0 || mki.Length != 0)
                    {
                        throw new DtlsAlertException(DtlsAlert.IllegalParameter, "bad use_srtp answer");
                    }

                    _srtpProfile = profiles[0];
                    break;
                case ExtExtendedMasterSecret:
                    ExpectEmpty(data, "extended_master_secret");
                    _extendedMasterSecret = true;
                    break;
                case ExtRenegotiationInfo:
                    if (data is not [0])
                    {
                        throw new DtlsAlertException(DtlsAlert.HandshakeFailure, "renegotiation_info not empty"); // RFC 5746 §3.4
                    }

                    break;
                case ExtEcPointFormats:
                    CheckPointFormats(data);
                    break;
                default:
                    // RFC 5246 §7.4.1.4: a server may answer only extensions the client offered.
                    throw new DtlsAlertException(DtlsAlert.UnsupportedExtension, $"unsolicited extension {type}");
            }
        }

        if (_srtpProfile == 0)
        {
            throw new DtlsAlertException(DtlsAlert.HandshakeFailure, "server did not negotiate use_srtp");
        }
    }

    private void HandleServerKeyExchange(byte[] body)
    {
        // RFC 8422 §5.4: ServerECDHParams { curve_type named_curve(3), namedcurve, ECPoint public<1..2^8-1> }, then
        // digitally-signed (RFC 5246 §4.7) over client_random + server_random + ServerECDHParams.
        var r = new DtlsReader(body);
        var curveType = r.ReadUInt8();
        var curve = r.ReadUInt16();
        var point = r.ReadVector8(1);
        var paramsLength = body.Length - r.Remaining;
        if (curveType != 3 || curve != Secp256r1)
        {
            throw new DtlsAlertException(DtlsAlert.IllegalParameter, $"server chose curve type {curveType}, curve {curve}");
        }

        _peerPoint = point.ToArray();
        var signed = new byte[(2 * RandomLength) + paramsLength];
        _clientRandom.CopyTo(signed, 0);
        _serverRandom.CopyTo(signed, RandomLength);
        body.AsSpan(0, paramsLength).CopyTo(signed.AsSpan(2 * RandomLength));
        VerifyPeerSignature(body.AsSpan(paramsLength), signed, "ServerKeyExchange");
    }

    private void HandleCertificateRequest(byte[] body)
    {
        // RFC 5246 §7.4.4: certificate_types<1..2^8-1>, supported_signature_algorithms<2..2^16-2>,
        // certificate_authorities<0..2^16-1>. Ours is ECDSA P-256, signed with SHA-256.
        var r = new DtlsReader(body);
        var types = r.ReadVector8(1);
        var algorithms = r.ReadVector16(2);
        r.ReadVector16();
        r.ExpectEnd("CertificateRequest");
        if (types.IndexOf(_signingKey is RSA ? RsaSign : EcdsaSign) < 0 || !ContainsUInt16(algorithms, OurSignatureAlgorithm))
        {
            throw new DtlsAlertException(DtlsAlert.HandshakeFailure, "server does not accept our certificate's type or signature");
        }

        _certificateRequested = true;
    }

    private void SendClientFinalFlight(TimeSpan now)
    {
        if (_peerPoint is null)
        {
            throw new DtlsAlertException(DtlsAlert.UnexpectedMessage, "no ServerKeyExchange");
        }

        var flight = new List<FlightEntry>();
        if (_certificateRequested)
        {
            flight.Add(Message(CertificateType, BuildCertificate()));
        }

        _ecdh = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var preMaster = DeriveSharedSecret(_peerPoint);
        flight.Add(Message(ClientKeyExchangeType, BuildPoint(_ecdh)));
        DeriveKeys(preMaster);
        if (_certificateRequested)
        {
            flight.Add(Message(CertificateVerifyType, Sign(_transcript.GetBuffer().AsSpan(0, (int)_transcript.Length))));
        }

        flight.Add(new FlightEntry(ChangeCipherSpecMarker, 0, [], false));
        flight.Add(Message(FinishedType, ComputeFinished("client finished"), epoch1: true));
        SendFlight(flight, expectsReply: true, now);
    }
}
