using System.Text.Json.Nodes;

namespace EmsSharp.Server.Api.Commands;

/// <summary><c>getConnectionsCount</c>: how many connections are open, <c>{count}</c> (the length of <c>listConnectionsIds</c>).</summary>
internal sealed class GetConnectionsCountCommand(ConnectionDirectory connections) : IApiCommand
{
    public string Name => "getConnectionsCount";

    public bool ChangesState => false;

    public string Description => "Counts the open connections, API clients included: {count}";

    public IReadOnlyList<CommandParameter> Parameters { get; } = [];

    public ValueTask<ApiReply> ExecuteAsync(CommandArguments arguments, CommandSession session, CancellationToken cancellationToken) =>
        ValueTask.FromResult(ApiReply.Ok("Active connections count", new JsonObject { ["count"] = connections.Count }));
}
