using System.Buffers.Binary;
using System.Security.Cryptography;

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
}
