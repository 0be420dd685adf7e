using System.Text.Json.Nodes;
using EmsSharp.Server.Delivery.WebRtc;
using EmsSharp.WebRtc;

namespace EmsSharp.Server.Api.Commands;

/// <summary>
/// <c>listWebrtcPeers [roomid=...]</c> <b>(ours)</b>: the browsers of each WebRTC service with their stream,
/// transport, state, selected candidate and traffic, and where each session stands on its worker (<c>session</c>: its
/// next wake-up, the worker's timer and queue, its data channels' SCTP sender), read on the worker with a timeout so a
/// stuck worker shows as such instead of hanging the command.
/// </summary>
internal sealed class ListWebrtcPeersCommand(ErsConnector connector) : IApiCommand
{
    public string Name => "listWebrtcPeers";

    public bool ChangesState => false;

    public string Description => "Lists the browsers of each WebRTC service (all rooms without roomid)";

    public IReadOnlyList<CommandParameter> Parameters { get; } =
    [
        new("roomId", ParameterKind.NonEmptyString, false, null, "only this room's peers"),
    ];

    /// <summary>How long a session's worker has to answer for its <c>session</c> member.</summary>
    private static readonly TimeSpan SnapshotTimeout = TimeSpan.FromSeconds(1);

    public async ValueTask<ApiReply> ExecuteAsync(CommandArguments arguments, CommandSession session, CancellationToken cancellationToken)
    {
        var roomId = arguments.GetString("roomId");
        var services = new JsonArray();
        foreach (var room in connector.GetRooms())
        {
            var c = room.Configuration;
            if (roomId is not null && !string.Equals(c.RoomId, roomId, StringComparison.Ordinal))
                continue;
            var peers = new JsonArray();
            foreach (var viewer in room.GetViewers())
                peers.Add(await ToJsonAsync(viewer, cancellationToken).ConfigureAwait(false));
            services.Add(new JsonObject
            {
                ["configId"] = c.ConfigId,
                ["ersip"] = c.ErsIp,
                ["ersport"] = c.ErsPort,
                ["roomid"] = c.RoomId,
                // The ERS node in use (ours): of an ersip list, the one connected to or being dialled.
                ["ersAddress"] = room.Client.CurrentAddress.ToString(),
                ["ersPeerId"] = room.Client.PeerId,
                ["peers"] = peers,
            });
        }

        return ApiReply.Ok("WebRTC peers", services);
    }

    private static async Task<JsonObject> ToJsonAsync(ViewerSession viewer, CancellationToken cancellationToken)
    {
        var peer = viewer.Peer;
        var counters = viewer.Counters;
        return new JsonObject
        {
            ["session"] = peer is null ? null : await SnapshotAsync(peer, cancellationToken).ConfigureAwait(false),
            ["id"] = viewer.PeerId,
            ["streamName"] = viewer.StreamName,
            ["transport"] = viewer.Transport,
            ["state"] = viewer.State,
            ["candidateType"] = viewer.Route.CandidateType,
            ["remoteEndPoint"] = peer?.RemoteEndPoint?.ToString(),
            // The selected pair's local path: udp (the shared port), tcp (ICE-TCP), turn/tcp or turn/tls (our relay).
            ["path"] = viewer.Route.Path,
            ["packetsSent"] = counters?.Packets ?? 0,
            ["bytesSent"] = counters?.Bytes ?? 0,
            ["retransmissions"] = counters?.Retransmissions ?? 0,
            ["keyframeRequests"] = counters?.KeyframeRequests ?? 0,
            ["droppedFrames"] = counters?.DroppedFrames ?? 0,
            // srtp: the viewer's RTCP on its video track (its latest reception report's loss and jitter, RFC 3550 §6.4.1).
            ["nacks"] = counters?.Nacks ?? 0,
            ["plis"] = counters?.Plis ?? 0,
            ["firs"] = counters?.Firs ?? 0,
            ["receptionReports"] = counters?.ReceptionReports ?? 0,
            ["packetsLost"] = counters?.PacketsLost ?? 0,
            ["fractionLost"] = counters?.FractionLost ?? 0,
            ["jitterMs"] = Math.Round((counters?.JitterSeconds ?? 0) * 1000, 1),
            ["rttMs"] = counters?.RoundTripSeconds is { } rtt ? Math.Round(rtt * 1000, 1) : null,
            ["createdAt"] = viewer.CreatedAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        };
    }

    private static async Task<JsonNode> SnapshotAsync(PeerSession peer, CancellationToken cancellationToken)
    {
        PeerSessionSnapshot snapshot;
        try
        {
            snapshot = await peer.GetSnapshotAsync().WaitAsync(SnapshotTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return $"its worker did not answer within {SnapshotTimeout.TotalSeconds:0} s";
        }
        catch (ObjectDisposedException)
        {
            return "closed";
        }

        var json = new JsonObject
        {
            ["state"] = snapshot.State.ToString(),
            ["wakeInMs"] = Ms(snapshot.WakeIn),
            ["queuedWakeInMs"] = Ms(snapshot.QueuedWakeIn),
            ["workerTimerInMs"] = Ms(snapshot.WorkerTimerIn),
            ["workerQueued"] = snapshot.WorkerQueued,
            ["dtlsDatagramsSent"] = snapshot.DtlsDatagramsSent,
            ["sctpPacketsRefused"] = snapshot.SctpPacketsRefused,
            ["dtlsDatagramsReceived"] = snapshot.DtlsDatagramsReceived,
            ["dtlsDatagramsRefused"] = snapshot.DtlsDatagramsRefused,
            ["dtlsRecordsDelivered"] = snapshot.DtlsRecordsDelivered,
        };
        if (snapshot.Sctp is { } sctp)
        {
            json["sctp"] = new JsonObject
            {
                ["state"] = sctp.State.ToString(),
                ["flightSize"] = sctp.FlightSize,
                ["cwnd"] = sctp.CongestionWindow,
                ["peerRwnd"] = sctp.PeerReceiveWindow,
                ["outstandingTsns"] = sctp.OutstandingTsns,
                ["queuedMessages"] = sctp.QueuedMessages,
                ["t3InMs"] = Ms(sctp.RetransmissionTimerIn),
                ["nextTimeoutInMs"] = Ms(sctp.NextTimeoutIn),
                ["rtoMs"] = Ms(sctp.Rto),
                ["lastHeardMsAgo"] = Ms(sctp.LastActivityAgo),
                ["packetsSent"] = sctp.PacketsSent,
                ["packetsReceived"] = sctp.PacketsReceived,
                ["retransmissions"] = sctp.Retransmissions,
                ["fastRetransmits"] = sctp.FastRetransmits,
                ["t3Expiries"] = sctp.T3Expiries,
            };
        }

        return json;
    }

    private static double? Ms(TimeSpan? span) => span is { } s ? Math.Round(s.TotalMilliseconds, 1) : null;
}
