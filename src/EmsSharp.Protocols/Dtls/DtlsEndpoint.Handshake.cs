using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EmsSharp.Protocols.Srtp;

namespace EmsSharp.Protocols.Dtls;

/// <summary>The handshake messages (RFC 5246 §7.4, RFC 6347 §4.2) and the key schedule (RFC 5246 §8, RFC 7627).</summary>
public sealed partial class DtlsEndpoint
{
    private const byte ClientHelloType = 1;
    private const byte ServerHelloType = 2;
    private const byte HelloVerifyRequestType = 3;
    private const byte CertificateType = 11;
    private const byte ServerKeyExchangeType = 12;
    private const byte CertificateRequestType = 13;
    private const byte ServerHelloDoneType = 14;
    private const byte CertificateVerifyType = 15;
    private const byte ClientKeyExchangeType = 16;
    private const byte FinishedType = 20;
    private const byte ChangeCipherSpecMarker = 0xFF;

    // TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (RFC 5289 §3.2): every WebRTC browser offers it, and our certificate is
    // ECDSA. A client also offers TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 for a server whose certificate is RSA (same
    // key schedule and records, only the ServerKeyExchange signature differs).
    private const ushort EcdsaSuite = 0xC02B;
    private const ushort RsaSuite = 0xC02F;
    private const ushort EmptyRenegotiationInfoScsv = 0x00FF; // RFC 5746 §3.3

    private const ushort ExtSupportedGroups = 10; // RFC 8422 §5.1.1
    private const ushort ExtEcPointFormats = 11; // RFC 8422 §5.1.2
    private const ushort ExtSignatureAlgorithms = 13; // RFC 5246 §7.4.1.4.1
    private const ushort ExtUseSrtp = 14; // RFC 5764 §4.1.1
    private const ushort ExtExtendedMasterSecret = 23; // RFC 7627 §5.1
    private const ushort ExtRenegotiationInfo = 0xFF01; // RFC 5746 §3.2

    private const ushort Secp256r1 = 23;
    private const ushort EcdsaSecp256r1Sha256 = 0x0403; // SignatureAndHashAlgorithm {sha256(4), ecdsa(3)}
    private const ushort RsaPkcs1Sha256 = 0x0401; // {sha256(4), rsa(1)}
    private const byte EcdsaSign = 64; // ClientCertificateType (RFC 8422 §5.5)
    private const byte RsaSign = 1;
    private const int RandomLength = 32;
    private const int VerifyDataLength = 12; // RFC 5246 §7.4.9
    private const int MaxCertificates = 16;
    private const int P256PointLength = 65; // uncompressed: 0x04 || X || Y (RFC 8422 §5.4.1)

    /// <summary>Our SRTP profiles in order of preference: GCM first (cheaper per packet), as the BouncyCastle code.</summary>
    private static readonly ushort[] SrtpProfiles = [SrtpProtectionProfile.AeadAes128Gcm, SrtpProtectionProfile.Aes128CmHmacSha1_80];

    private readonly byte[] _certificateDer;
    private readonly AsymmetricAlgorithm _signingKey;
    private readonly string _remoteFingerprint;
    private readonly MemoryStream _transcript = new();
    private readonly byte[] _clientRandom = new byte[RandomLength];
    private readonly byte[] _serverRandom = new byte[RandomLength];
    private ushort _suite;
    private ECDiffieHellman? _ecdh;
    private ECDsa? _peerEcdsa;
    private RSA? _peerRsa;
    private byte[]? _cookie;
    private byte[]? _masterSecret;
    private byte[]? _peerPoint;
    private bool _extendedMasterSecret;
    private bool _certificateRequested;
    private ushort _srtpProfile;
    private (bool RenegotiationInfo, bool PointFormats) _serverHelloExtensions;

    private ushort OurSignatureAlgorithm => _signingKey is RSA ? RsaPkcs1Sha256 : EcdsaSecp256r1Sha256;

    private void StartClient(TimeSpan now)
    {
        RandomNumberGenerator.Fill(_clientRandom);
        _state = DtlsState.ClientWaitServerHello;
        SendFlight([Message(ClientHelloType, BuildClientHello())], expectsReply: true, now);
    }

    private void HandleMessage(byte type, int seq, byte[] body, ushort epoch, TimeSpan now)
    {
        // RFC 6347 §4.2.6 / RFC 5246 §7.4.9: only Finished travels in the new epoch, everything else before it.
        if ((type == FinishedType) != (epoch == 1))
        {
            throw new DtlsAlertException(DtlsAlert.UnexpectedMessage, $"handshake message {type} in epoch {epoch}");
        }

        switch (_state, type)
        {
            case (DtlsState.ClientWaitServerHello, HelloVerifyRequestType) when _cookie is null:
                HandleHelloVerifyRequest(seq, body, now);
                break;
            case (DtlsState.ClientWaitServerHello, ServerHelloType):
                AddToTranscript(type, seq, body);
                HandleServerHello(body);
                _state = DtlsState.ClientWaitCertificate;
                break;
            case (DtlsState.ClientWaitCertificate, CertificateType):
                AddToTranscript(type, seq, body);
                HandlePeerCertificate(body);
                if ((_suite == RsaSuite) != (_peerRsa is not null))
                {
                    // RFC 8422 §2.1 / RFC 5246 §7.4.2: the suite fixes the server certificate's key type.
                    throw new DtlsAlertException(DtlsAlert.UnsupportedCertificate, "server certificate does not fit the cipher suite");
                }

                _state = DtlsState.ClientWaitServerKeyExchange;
                break;
            case (DtlsState.ClientWaitServerKeyExchange, ServerKeyExchangeType):
                AddToTranscript(type, seq, body);
                HandleServerKeyExchange(body);
                _state = DtlsState.ClientWaitCertificateRequest;
                break;
            case (DtlsState.ClientWaitCertificateRequest, CertificateRequestType):
                AddToTranscript(type, seq, body);
                HandleCertificateRequest(body);
                _state = DtlsState.ClientWaitServerHelloDone;
                break;
            case (DtlsState.ClientWaitCertificateRequest or DtlsState.ClientWaitServerHelloDone, ServerHelloDoneType):
                AddToTranscript(type, seq, body);
                new DtlsReader(body).ExpectEnd("ServerHelloDone");
                _peerPreviousFlightLastSeq = seq;
                SendClientFinalFlight(now);
                _state = DtlsState.ClientWaitFinished;
                break;
            case (DtlsState.ClientWaitFinished, FinishedType):
                CheckFinished(body, "server finished");
                AddToTranscript(type, seq, body);
                _flight = []; // RFC 6347 §4.2.4: the client's last flight is answered, nothing to send again
                Connect();
                break;
            case (DtlsState.ServerWaitClientHello, ClientHelloType):
                AddToTranscript(type, seq, body);
                HandleClientHello(body);
                _peerPreviousFlightLastSeq = seq;
                _nextSendSeq = seq; // RFC 6347 §4.2.2: our message_seq follows the ClientHello's
                SendServerFlight(now);
                _state = DtlsState.ServerWaitCertificate;
                break;
            case (DtlsState.ServerWaitCertificate, CertificateType):
                AddToTranscript(type, seq, body);
                HandlePeerCertificate(body);
                _state = DtlsState.ServerWaitKeyExchange;
                break;
            case (DtlsState.ServerWaitCertificate, ClientKeyExchangeType):
                // RFC 8827 §6.5 / RFC 5763 §5: the client must authenticate with the certificate in its SDP.
                throw new DtlsAlertException(DtlsAlert.HandshakeFailure, "peer sent no certificate");
            case (DtlsState.ServerWaitKeyExchange, ClientKeyExchangeType):
                AddToTranscript(type, seq, body);
                HandleClientKeyExchange(body);
                _state = DtlsState.ServerWaitCertificateVerify;
                break;
            case (DtlsState.ServerWaitCertificateVerify, CertificateVerifyType):
                // RFC 5246 §7.4.8: signed over every handshake message before it.
                VerifyPeerSignature(body, _transcript.GetBuffer().AsSpan(0, (int)_transcript.Length), "CertificateVerify");
                AddToTranscript(type, seq, body);
                _state = DtlsState.ServerWaitFinished;
                break;
            case (DtlsState.ServerWaitFinished, FinishedType):
                CheckFinished(body, "client finished");
                AddToTranscript(type, seq, body);
                _peerPreviousFlightLastSeq = seq;
                var verify = ComputeFinished("server finished");
                SendFlight([new FlightEntry(ChangeCipherSpecMarker, 0, [], false), Message(FinishedType, verify, epoch1: true)],
                    expectsReply: false, now);
                Connect();
                break;
            default:
                throw new DtlsAlertException(DtlsAlert.UnexpectedMessage, $"handshake message {type} in state {_state}");
        }
    }

    private void Connect()
    {
        _state = DtlsState.Connected;
        _retransmitAt = null;
        _inbound.Clear();
        _ecdh?.Dispose();
        _ecdh = null;

        // RFC 5764 §4.2: EXTRACTOR-dtls_srtp, RFC 5705 §4 without context: PRF(master, label, client_random + server_random).
        SrtpProtectionProfile.TryGetLengths(_srtpProfile, out var k, out var s);
        var material = DtlsPrf.Compute(_masterSecret, "EXTRACTOR-dtls_srtp", Randoms(client: true), 2 * (k + s));
        _events.Enqueue(DtlsEvent.ConnectedWith(new DtlsSrtpKeys(_srtpProfile, material, Role == DtlsRole.Client)));
    }

    // ---- client ----

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

    // ---- server ----

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

    // ---- shared ----

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

    private byte[] ComputeFinished(string label) =>
        DtlsPrf.Compute(_masterSecret, label, TranscriptHash(), VerifyDataLength); // RFC 5246 §7.4.9

    private void CheckFinished(byte[] body, string label)
    {
        if (body.Length != VerifyDataLength)
        {
            throw new DtlsAlertException(DtlsAlert.DecodeError, $"Finished of {body.Length} bytes");
        }

        if (!CryptographicOperations.FixedTimeEquals(body, ComputeFinished(label)))
        {
            throw new DtlsAlertException(DtlsAlert.DecryptError, "peer Finished does not verify");
        }
    }

    // RFC 6347 §4.2.6: the transcript holds each message once, whole, with its DTLS header as if unfragmented.
    private void AddToTranscript(byte type, int seq, ReadOnlySpan<byte> body)
    {
        Span<byte> header = stackalloc byte[HandshakeHeaderLength];
        header[0] = type;
        WriteUInt24(header[1..], body.Length);
        BinaryPrimitives.WriteUInt16BigEndian(header[4..], (ushort)seq);
        WriteUInt24(header[6..], 0);
        WriteUInt24(header[9..], body.Length);
        _transcript.Write(header);
        _transcript.Write(body);
    }

    private byte[] TranscriptHash() => SHA256.HashData(_transcript.GetBuffer().AsSpan(0, (int)_transcript.Length));

    private byte[] Randoms(bool client) => client ? [.. _clientRandom, .. _serverRandom] : [.. _serverRandom, .. _clientRandom];

    private static List<(ushort Type, byte[] Data)> ReadExtensions(ref DtlsReader r)
    {
        // RFC 5246 §7.4.1.4: extensions<0..2^16-1>, each type and extension_data<0..2^16-1>, no type twice.
        var all = new DtlsReader(r.ReadVector16());
        var extensions = new List<(ushort, byte[])>();
        while (!all.IsEmpty)
        {
            var type = all.ReadUInt16();
            var data = all.ReadVector16().ToArray();
            if (extensions.Exists(e => e.Item1 == type))
            {
                throw new DtlsAlertException(DtlsAlert.IllegalParameter, $"extension {type} twice");
            }

            if (extensions.Count >= 64)
            {
                throw new DtlsAlertException(DtlsAlert.DecodeError, "too many extensions");
            }

            extensions.Add((type, data));
        }

        return extensions;
    }

    private static (ushort[] Profiles, byte[] Mki) ReadUseSrtp(byte[] data)
    {
        // RFC 5764 §4.1.1: SRTPProtectionProfiles<2..2^16-1>, srtp_mki<0..255>.
        var r = new DtlsReader(data);
        var list = r.ReadVector16(2);
        var mki = r.ReadVector8().ToArray();
        r.ExpectEnd("use_srtp");
        if (list.Length % 2 != 0)
        {
            throw new DtlsAlertException(DtlsAlert.DecodeError, "odd use_srtp profile list");
        }

        var profiles = new ushort[list.Length / 2];
        for (var i = 0; i < profiles.Length; i++)
        {
            profiles[i] = BinaryPrimitives.ReadUInt16BigEndian(list[(2 * i)..]);
        }

        return (profiles, mki);
    }

    private static void CheckPointFormats(byte[] data)
    {
        // RFC 8422 §5.1.2: ECPointFormat ec_point_format_list<1..2^8-1>; uncompressed (0) must be there.
        var r = new DtlsReader(data);
        var formats = r.ReadVector8(1);
        r.ExpectEnd("ec_point_formats");
        if (formats.IndexOf((byte)0) < 0)
        {
            throw new DtlsAlertException(DtlsAlert.IllegalParameter, "uncompressed points not supported by the peer");
        }
    }

    private static void ExpectEmpty(byte[] data, string what)
    {
        if (data.Length != 0)
        {
            throw new DtlsAlertException(DtlsAlert.DecodeError, what + " not empty");
        }
    }

    private static bool ContainsUInt16(ReadOnlySpan<byte> list, ushort value)
    {
        if (list.Length % 2 != 0)
        {
            throw new DtlsAlertException(DtlsAlert.DecodeError, "odd list of 16-bit values");
        }

        for (var i = 0; i < list.Length; i += 2)
        {
            if (BinaryPrimitives.ReadUInt16BigEndian(list[i..]) == value)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Writes handshake message bodies (handshake only: it allocates).</summary>
    private sealed class Writer
    {
        private readonly MemoryStream _stream = new();

        public void UInt8(byte value) => _stream.WriteByte(value);

        public void UInt16(ushort value)
        {
            _stream.WriteByte((byte)(value >> 8));
            _stream.WriteByte((byte)value);
        }

        public void UInt24(int value)
        {
            _stream.WriteByte((byte)(value >> 16));
            UInt16((ushort)value);
        }

        public void Bytes(ReadOnlySpan<byte> value) => _stream.Write(value);

        public void Vector8(ReadOnlySpan<byte> value)
        {
            UInt8((byte)value.Length);
            Bytes(value);
        }

        public void Vector16(ReadOnlySpan<byte> value)
        {
            UInt16((ushort)value.Length);
            Bytes(value);
        }

        public int BeginVector16()
        {
            UInt16(0);
            return (int)_stream.Length;
        }

        public void EndVector16(int start)
        {
            var length = (int)_stream.Length - start;
            var buffer = _stream.GetBuffer();
            buffer[start - 2] = (byte)(length >> 8);
            buffer[start - 1] = (byte)length;
        }

        public byte[] ToArray() => _stream.ToArray();
    }
}
