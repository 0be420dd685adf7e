using System.Text.Json.Nodes;
using EmsSharp.Protocols.Ice;
using EmsSharp.Server.Delivery.WebRtc;

namespace EmsSharp.Server.Api.Commands;

/// <summary>
/// <c>listWebrtcPeers [roomid=...]</c> <b>(ours)</b>: the browsers of each WebRTC service with their stream,
/// transport, state, selected candidate and traffic.
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

    public ValueTask<ApiReply> ExecuteAsync(CommandArguments arguments, CommandSession session, CancellationToken cancellationToken)
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
                peers.Add(ToJson(viewer));
            services.Add(new JsonObject
            {
                ["configId"] = c.ConfigId,
                ["ersip"] = c.ErsIp,
                ["ersport"] = c.ErsPort,
                ["roomid"] = c.RoomId,
                ["ersPeerId"] = room.Client.PeerId,
                ["peers"] = peers,
            });
        }

        return ValueTask.FromResult(ApiReply.Ok("WebRTC peers", services));
    }

    private static JsonObject ToJson(ViewerSession viewer)
    {
        var peer = viewer.Peer;
        var counters = viewer.Counters;
        return new JsonObject
        {
            ["id"] = viewer.PeerId,
            ["streamName"] = viewer.StreamName,
            ["transport"] = viewer.Transport,
            ["state"] = viewer.State,
            ["candidateType"] = peer?.SelectedCandidateType switch
            {
                // RFC 8839 §5.1 candidate-types
                IceCandidateType.Host => "host",
                IceCandidateType.ServerReflexive => "srflx",
                IceCandidateType.PeerReflexive => "prflx",
                IceCandidateType.Relayed => "relay",
                _ => null,
            },
            ["remoteEndPoint"] = peer?.RemoteEndPoint?.ToString(),
            // The selected pair's local path: udp (the shared port), tcp (ICE-TCP), turn/tcp or turn/tls (our relay).
            ["path"] = peer?.SelectedPathKind,
            ["packetsSent"] = counters?.Packets ?? 0,
            ["bytesSent"] = counters?.Bytes ?? 0,
            ["retransmissions"] = counters?.Retransmissions ?? 0,
            ["keyframeRequests"] = counters?.KeyframeRequests ?? 0,
            ["droppedFrames"] = counters?.DroppedFrames ?? 0,
            ["createdAt"] = viewer.CreatedAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        };
    }
}
