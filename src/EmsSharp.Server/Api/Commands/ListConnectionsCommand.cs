using System.Text.Json.Nodes;

namespace EmsSharp.Server.Api.Commands;

/// <summary>
/// <c>listConnections</c> (each open connection's entry: <c>carrier</c>, <c>stack</c>, a pull's <c>pullSettings</c>) and
/// <c>listConnectionsIds</c> (their ids), in id order. <c>excludeNonNetworkProtocols</c> (EvoStream's default 1) leaves out
/// connections without a network carrier.
/// </summary>
internal sealed class ListConnectionsCommand(ConnectionDirectory connections, bool idsOnly) : IApiCommand
{
    private const string Exclude = "excludeNonNetworkProtocols";

    public string Name => idsOnly ? "listConnectionsIds" : "listConnections";

    public bool ChangesState => false;

    public string Description => idsOnly
        ? "Lists the ids of the open connections (see getConnectionInfo)"
        : "Lists the open connections (publishers, pulls, viewers, API clients): [{carrier, stack, pullSettings}], EvoStream's protocolStackInfo";

    public IReadOnlyList<CommandParameter> Parameters { get; } = idsOnly
        ? []
        : [new(Exclude, ParameterKind.Boolean, false, "true", "leave out connections without a network carrier (none in EmsSharp today)")];

    public ValueTask<ApiReply> ExecuteAsync(CommandArguments arguments, CommandSession session, CancellationToken cancellationToken)
    {
        var list = new JsonArray();
        foreach (var connection in connections.List(!idsOnly && arguments.GetBoolean(Exclude) == true))
        {
            list.Add(idsOnly ? connection.Id : connections.ToJson(connection));
        }

        return ValueTask.FromResult(ApiReply.Ok(idsOnly ? "Available connection IDs" : "Available connections", list));
    }
}
