using System.Text.Json.Nodes;
using EmsSharp.Server.Delivery;

namespace EmsSharp.Server.Api.Commands;

/// <summary><c>stopWebrtc</c> (PROTOCOL.md §1.6): stops one room's services, or all, and removes their configurations.</summary>
internal sealed class StopWebrtcCommand(WebRtcServiceManager manager) : IApiCommand
{
    public string Name => "stopWebrtc";

    public bool ChangesState => true;

    public string Description => "Stops the WebRTC service of a room (all of them without roomid) and removes its configuration";

    public IReadOnlyList<CommandParameter> Parameters { get; } =
    [
        new("roomId", ParameterKind.NonEmptyString, false, null, "room whose service to stop; all services when absent"),
    ];

    public async ValueTask<ApiReply> ExecuteAsync(CommandArguments arguments, CommandSession session, CancellationToken cancellationToken)
    {
        var stopped = await manager.StopAsync(arguments.GetString("roomId")).ConfigureAwait(false);
        JsonNode data;
        switch (stopped.Count)
        {
            case 0:
                data = new JsonObject { ["ersip"] = "", ["ersport"] = 0, ["roomid"] = "" };
                break;
            case 1:
                data = stopped[0].Configuration.ToStopJson();
                break;
            default:
                var array = new JsonArray();
                foreach (var service in stopped)
                    array.Add(service.Configuration.ToStopJson());
                data = array;
                break;
        }

        return ApiReply.Ok("Stopped WebRTC Negotiation Service", data);
    }
}
