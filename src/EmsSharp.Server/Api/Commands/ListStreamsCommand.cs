using System.Text.Json.Nodes;
using EmsSharp.Media.Hub;
using EmsSharp.Server.Ingest;

namespace EmsSharp.Server.Api.Commands;

/// <summary>
/// <c>listStreams</c> and <c>listInboundStreams</c>: every live stream as EvoStream's stream object
/// (<see cref="StreamInfoJson"/>). Every stream in the hub is inbound; viewers are not listed as outbound streams yet,
/// so the two answer the same list under their documented descriptions.
/// </summary>
internal sealed class ListStreamsCommand(StreamHub hub, PullStreamManager pulls, TimeProvider time, string name, string replyDescription)
    : IApiCommand
{
    public string Name => name;

    public bool ChangesState => false;

    public string Description => "Lists the live streams as EvoStream's stream objects (uniqueId, name, type, audio, video, upTime in ms, addresses, pullSettings)";

    public IReadOnlyList<CommandParameter> Parameters { get; } = [];

    public ValueTask<ApiReply> ExecuteAsync(CommandArguments arguments, CommandSession session, CancellationToken cancellationToken)
    {
        var list = new JsonArray();
        foreach (var stream in hub.GetStreams())
        {
            list.Add(StreamInfoJson.Create(stream, pulls, time));
        }

        return ValueTask.FromResult(ApiReply.Ok(replyDescription, list));
    }
}
