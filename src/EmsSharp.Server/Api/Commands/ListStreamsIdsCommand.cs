using System.Text.Json.Nodes;
using EmsSharp.Media.Hub;

namespace EmsSharp.Server.Api.Commands;

/// <summary><c>listStreamsIds</c>: the uniqueIds of the live streams.</summary>
internal sealed class ListStreamsIdsCommand(StreamHub hub) : IApiCommand
{
    public string Name => "listStreamsIds";

    public bool ChangesState => false;

    public string Description => "Lists the uniqueIds of the live streams";

    public IReadOnlyList<CommandParameter> Parameters { get; } = [];

    public ValueTask<ApiReply> ExecuteAsync(CommandArguments arguments, CommandSession session, CancellationToken cancellationToken)
    {
        var ids = new JsonArray();
        foreach (var stream in hub.GetStreams())
        {
            ids.Add(stream.Id);
        }

        return ValueTask.FromResult(ApiReply.Ok("Available stream IDs", ids));
    }
}
