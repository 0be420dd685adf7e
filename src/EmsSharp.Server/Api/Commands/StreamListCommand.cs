using System.Text.Json.Nodes;
using EmsSharp.Media.Hub;

namespace EmsSharp.Server.Api.Commands;

/// <summary>
/// A command that answers one item per live stream: <c>listStreams</c> and <c>listInboundStreams</c> (EvoStream's stream
/// objects, <see cref="StreamInfoJson"/>), <c>listStreamsIds</c> (uniqueIds) and <c>listInboundStreamNames</c> (names).
/// Every stream in the hub is inbound; viewers are not listed as outbound streams yet, so the inbound lists answer the
/// same streams as the general ones, under their documented descriptions.
/// </summary>
internal sealed class StreamListCommand(StreamHub hub, string name, string description, string replyDescription, Func<LiveStream, JsonNode> item)
    : IApiCommand
{
    public string Name => name;

    public bool ChangesState => false;

    public string Description => description;

    public IReadOnlyList<CommandParameter> Parameters { get; } = [];

    public ValueTask<ApiReply> ExecuteAsync(CommandArguments arguments, CommandSession session, CancellationToken cancellationToken)
    {
        var list = new JsonArray();
        foreach (var stream in hub.GetStreams())
        {
            list.Add(item(stream));
        }

        return ValueTask.FromResult(ApiReply.Ok(replyDescription, list));
    }
}
