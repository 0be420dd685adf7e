using System.Text.Json.Nodes;
using EmsSharp.Media.Hub;

namespace EmsSharp.Server.Api.Commands;

/// <summary><c>listInboundStreamNames</c>: the names (localStreamName) of the live inbound streams.</summary>
internal sealed class ListInboundStreamNamesCommand(StreamHub hub) : IApiCommand
{
    public string Name => "listInboundStreamNames";

    public bool ChangesState => false;

    public string Description => "Lists the names of the live inbound streams";

    public IReadOnlyList<CommandParameter> Parameters { get; } = [];

    public ValueTask<ApiReply> ExecuteAsync(CommandArguments arguments, CommandSession session, CancellationToken cancellationToken)
    {
        var names = new JsonArray();
        foreach (var stream in hub.GetStreams())
        {
            names.Add(stream.Name);
        }

        return ValueTask.FromResult(ApiReply.Ok("Inbound local stream names", names));
    }
}
