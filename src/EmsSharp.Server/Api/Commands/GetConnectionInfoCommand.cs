namespace EmsSharp.Server.Api.Commands;

/// <summary><c>getConnectionInfo</c>: one open connection's entry, as <c>listConnections</c> lists it.</summary>
internal sealed class GetConnectionInfoCommand(ConnectionDirectory connections) : IApiCommand
{
    public string Name => "getConnectionInfo";

    public bool ChangesState => false;

    public string Description => "Shows one open connection by id (see listConnectionsIds): {carrier, stack, pullSettings}";

    public IReadOnlyList<CommandParameter> Parameters { get; } =
    [
        new("id", ParameterKind.Integer, true, null, "id of the connection (see listConnectionsIds)"),
    ];

    public ValueTask<ApiReply> ExecuteAsync(CommandArguments arguments, CommandSession session, CancellationToken cancellationToken) =>
        ValueTask.FromResult(connections.TryFind(arguments, out var connection, out var failure)
            ? ApiReply.Ok("Connection information", connections.ToJson(connection))
            : failure);
}
