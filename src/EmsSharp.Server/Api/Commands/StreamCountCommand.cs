using System.Text.Json.Nodes;

namespace EmsSharp.Server.Api.Commands;

/// <summary>
/// <c>getStreamsCount</c> (<c>{streamCount}</c>) and <c>getInboundStreamsCount</c> (<c>{inboundStreamsCount}</c>): how many
/// streams are live: all of them (inbound streams and their outputs, the viewers) or the inbound ones. EvoStream's web UI
/// dashboard waits for both.
/// </summary>
internal sealed class StreamCountCommand(StreamDirectory streams, bool inboundOnly, string name, string member, string replyDescription, string description)
    : IApiCommand
{
    public string Name => name;

    public bool ChangesState => false;

    public string Description => description;

    public IReadOnlyList<CommandParameter> Parameters { get; } = [];

    public ValueTask<ApiReply> ExecuteAsync(CommandArguments arguments, CommandSession session, CancellationToken cancellationToken) =>
        ValueTask.FromResult(ApiReply.Ok(replyDescription, new JsonObject { [member] = streams.Count(inboundOnly) }));
}
