using System.Diagnostics;
using System.Security.Cryptography;
using EmsSharp.Protocols.Dtls;
using EmsSharp.Protocols.Sdp;
using EmsSharp.Protocols.Srtp;
using EmsSharp.WebRtc;

namespace EmsSharp.Load.Viewers;

/// <summary>
/// The srtp receive side: an <see cref="SrtpReceiver"/> made at DTLS connect, fed by whoever reads the viewer's RTP
/// (a <see cref="ViewerReceivePool"/> thread, or the session's worker when the viewer has its own port driver), and the
/// NACKs and receiver reports it queues sent through the session.
/// </summary>
internal sealed partial class SimulatedViewer
{
    /// <summary>RTP kept while the keys are not yet in: the server's first packets (its cached GOP's keyframe) follow its DTLS Finished at once.</summary>
    private const int MaxEarlyPackets = 256;

    private readonly uint _ssrc = (uint)RandomNumberGenerator.GetInt32(1, int.MaxValue);
    private SrtpReceiver? _receiver;
    private List<(byte[] Datagram, long ReceivedAt)>? _early;

    /// <summary>Drops every Nth H.264 datagram before SRTP (a simulated lossy network, for tests); 0 drops nothing.</summary>
    public int DropEveryNthVideoPacket { get; init; }

    /// <summary>Authenticate and decrypt one SRTP packet in this many once the first keyframe is in (1 = all).</summary>
    public int SrtpCheckEvery { get; init; } = 1;

    /// <summary>Where the one-way transit of every packet stamped with abs-send-time goes; null to skip.</summary>
    public TransitHistogram? Transit { get; init; }

    /// <summary>RTP packets of the H.264 payload type.</summary>
    public long VideoPackets => Receiver?.VideoPackets ?? 0;

    /// <summary>RTP packets of any other payload type (Opus audio).</summary>
    public long AudioPackets => Receiver?.AudioPackets ?? 0;

    /// <summary>SRTP packets authenticated and decrypted (the sample).</summary>
    public long SrtpChecked => Receiver?.Checked ?? 0;

    /// <summary>Sequence numbers asked for again in generic NACKs.</summary>
    public long NacksSent => Receiver?.NacksSent ?? 0;

    /// <summary>Sampled SRTP packets whose tag did not verify (RFC 3711 §3.3 step 5).</summary>
    public long AuthFailures => Receiver?.AuthFailures ?? 0;

    /// <summary>Expected packets never received, over every SSRC; read after receiving stopped.</summary>
    public long Lost => Receiver?.Lost ?? 0;

    /// <summary>Packets received twice (by sequence number).</summary>
    public long Duplicates => Receiver?.Duplicates ?? 0;

    /// <summary>Packets that arrived behind the sequence window.</summary>
    public long TooLate => Receiver?.TooLate ?? 0;

    /// <summary>NACKs repeated for a packet whose retransmission had not arrived yet.</summary>
    public long RepeatedNacks => Receiver?.RepeatedNacks ?? 0;

    /// <summary>Packets expected over every SSRC, first to highest sequence number.</summary>
    public long Expected => Receiver?.Expected ?? 0;

    private SrtpReceiver? Receiver => Volatile.Read(ref _receiver);

    private void OnDtlsConnected(PeerSession session, DtlsSrtpKeys keys)
    {
        if (!SrtpContextFactory.TryCreate(keys.ProfileId, keys.KeyingMaterial, keys.IsDtlsClient, out SrtpContext? local, out SrtpContext? remote))
        {
            Fail($"unsupported SRTP profile {keys.ProfileId}");
            return;
        }

        int videoPayloadType = FindH264PayloadType(session.RemoteDescription, out int absSendTimeId);
        // Published whole: the receive thread starts using it at its next RTP datagram.
        Volatile.Write(ref _receiver, new SrtpReceiver(remote!, local!, _ssrc, videoPayloadType, absSendTimeId, SrtpCheckEvery,
            Transit, DropEveryNthVideoPacket));
    }

    /// <summary>The session's RTP on its worker, when the viewer has its own port driver (or a TURN relay).</summary>
    private void OnRtpOrRtcp(PeerSession session, ReadOnlySpan<byte> packet) => ReceiveRtp(packet, Stopwatch.GetTimestamp());

    /// <summary>One RTP or RTCP datagram, on the one thread that reads this viewer's RTP.</summary>
    private void ReceiveRtp(ReadOnlySpan<byte> packet, long receivedAt)
    {
        if (_session is not { } session || session.State is PeerSessionState.Failed or PeerSessionState.Closed)
        {
            return;
        }

        // The DTLS handshake completes on the session's worker while the server's media already arrives here: what
        // comes before the keys is kept and accounted for once they are in, as a browser's jitter buffer would.
        if (Receiver is not { } receiver || session.State != PeerSessionState.Connected)
        {
            _early ??= [];
            if (_early.Count < MaxEarlyPackets)
            {
                _early.Add((packet.ToArray(), receivedAt));
            }

            return;
        }

        if (_early is { } early)
        {
            _early = null;
            foreach ((byte[] datagram, long at) in early)
            {
                Account(session, receiver, datagram, at);
            }
        }

        Account(session, receiver, packet, receivedAt);
    }

    private void Account(PeerSession session, SrtpReceiver receiver, ReadOnlySpan<byte> packet, long receivedAt)
    {
        if (receiver.Receive(packet, Stopwatch.GetElapsedTime(_joinStart, receivedAt), receivedAt, out bool firstKeyframe))
        {
            AddReceived(packet.Length);
            if (firstKeyframe)
            {
                KeyframeSeen();
            }
        }

        while (receiver.TryPollTransmit(out ReadOnlySpan<byte> rtcp))
        {
            session.SendRtpOrRtcp(rtcp);
        }
    }

    private void DisposeSrtp() => _receiver?.Dispose();

    /// <summary>The offer's H.264 payload type, and the id of abs-send-time on its media section (0 without).</summary>
    private static int FindH264PayloadType(WebRtcRemoteDescription? description, out int absSendTimeId)
    {
        foreach (WebRtcRemoteMedia media in description?.Media ?? [])
        {
            foreach (int pt in media.PayloadTypes)
            {
                if (media.Kind == "video" && media.RtpMaps.TryGetValue(pt, out string? map) && map.StartsWith("H264/", StringComparison.OrdinalIgnoreCase))
                {
                    absSendTimeId = media.Extensions.GetValueOrDefault(WebRtcPayloadTypes.AbsSendTimeUri);
                    return pt;
                }
            }
        }

        absSendTimeId = 0;
        return WebRtcPayloadTypes.H264;
    }
}
