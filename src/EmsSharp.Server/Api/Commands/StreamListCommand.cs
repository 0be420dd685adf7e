using System.Text.Json.Nodes;

namespace EmsSharp.Server.Api.Commands;

/// <summary>
/// A command that answers one item per live stream, in uniqueId order: <c>listStreams</c> (every stream's object, inbound
/// and outbound), <c>listInboundStreams</c> (the inbound ones), <c>listStreamsIds</c> (every uniqueId) and
/// <c>listInboundStreamNames</c> (the inbound names).
/// </summary>
internal sealed class StreamListCommand(
    StreamDirectory streams, bool inboundOnly, string name, string description, string replyDescription, Func<ListedStream, JsonNode> item)
    : IApiCommand
{
    public string Name => name;

    public bool ChangesState => false;

    public string Description => description;

    public IReadOnlyList<CommandParameter> Parameters { get; } = [];

    public ValueTask<ApiReply> ExecuteAsync(CommandArguments arguments, CommandSession session, CancellationToken cancellationToken)
    {
        var list = new JsonArray();
        foreach (var stream in streams.List(inboundOnly))
        {
            list.Add(item(stream));
        }

        return ValueTask.FromResult(ApiReply.Ok(replyDescription, list));
    }
}
