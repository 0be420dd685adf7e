using System.Text.Json.Nodes;

namespace EmsSharp.Server.Api.Commands;

/// <summary>
/// <c>httpClientsConnected</c>: EvoStream's count of its HTTP streaming sessions (its help: "the number of all the HTTP
/// streaming sessions active"), <c>{groupName, httpStreamingSessionsCount}</c> with EvoStream's descriptions (its 2.0 page).
/// EmsSharp's HTTP streaming is WS-FMP4, so these are its viewers (<see cref="ConnectionDirectory.CountHttpStreamingSessions"/>).
/// EvoStream counts only the sessions under an HLS/DASH group when <c>groupName</c> is given; EmsSharp has no such groups yet, so
/// any group name counts 0.
/// </summary>
internal sealed class HttpClientsConnectedCommand(ConnectionDirectory connections) : IApiCommand
{
    public string Name => "httpClientsConnected";

    public bool ChangesState => false;

    public string Description =>
        "Counts the WS-FMP4 viewers (EmsSharp's HTTP streaming sessions); with groupname, those of that HLS/DASH group (none yet): "
        + "{groupName, httpStreamingSessionsCount}";

    public IReadOnlyList<CommandParameter> Parameters { get; } =
    [
        new("groupName", ParameterKind.String, false, null, "count only the sessions of this HLS/DASH group (EmsSharp has none yet: 0)"),
    ];

    public ValueTask<ApiReply> ExecuteAsync(CommandArguments arguments, CommandSession session, CancellationToken cancellationToken)
    {
        var group = arguments.GetString("groupName") ?? "";
        var description = group.Length == 0
            ? "Number of clients connected to Evostream Web Server"
            : "Number of clients connected to Evostream Web Server under groupname: " + CommandParser.Shorten(group);
        var count = group.Length == 0 ? connections.CountHttpStreamingSessions() : 0;
        return ValueTask.FromResult(ApiReply.Ok(description, new JsonObject
        {
            ["groupName"] = group,
            ["httpStreamingSessionsCount"] = count,
        }));
    }
}
