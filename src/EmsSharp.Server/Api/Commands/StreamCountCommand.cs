using System.Text.Json.Nodes;
using EmsSharp.Media.Hub;

namespace EmsSharp.Server.Api.Commands;

/// <summary>
/// <c>getStreamsCount</c> (<c>{streamCount}</c>) and <c>getInboundStreamsCount</c> (<c>{inboundStreamsCount}</c>): how many
/// streams are live. EvoStream's web UI dashboard waits for both. Every stream in the hub is inbound; viewers are not
/// counted as outbound streams yet.
/// </summary>
internal sealed class StreamCountCommand(StreamHub hub, string name, string member, string replyDescription, string description)
    : IApiCommand
{
    public string Name => name;

    public bool ChangesState => false;

    public string Description => description;

    public IReadOnlyList<CommandParameter> Parameters { get; } = [];

    public ValueTask<ApiReply> ExecuteAsync(CommandArguments arguments, CommandSession session, CancellationToken cancellationToken) =>
        ValueTask.FromResult(ApiReply.Ok(replyDescription, new JsonObject { [member] = hub.Count }));
}
