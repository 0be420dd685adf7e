using System.Text.Json.Nodes;

namespace EmsSharp.Server.Api.Commands;

/// <summary>
/// <c>clientsConnected</c>: EvoStream's count of the outbound streams real clients read (its help: "the number of REAL
/// outbound streams, not counting the outbound streams generated internally"), <c>{outboundCount}</c>: in EmsSharp the
/// viewers (WS-FMP4 and WebRTC), of every stream or of <c>localStreamName</c>. A name nobody watches, live or not, counts 0,
/// as EvoStream answers it.
/// </summary>
internal sealed class ClientsConnectedCommand(StreamDirectory streams) : IApiCommand
{
    public string Name => "clientsConnected";

    public bool ChangesState => false;

    public string Description => "Counts the viewers (WS-FMP4, WebRTC), of every stream or of localstreamname: {outboundCount}";

    public IReadOnlyList<CommandParameter> Parameters { get; } =
    [
        new("localStreamName", ParameterKind.NonEmptyString, false, null, "count only the viewers of this stream"),
    ];

    public ValueTask<ApiReply> ExecuteAsync(CommandArguments arguments, CommandSession session, CancellationToken cancellationToken)
    {
        var name = arguments.GetString("localStreamName");
        var description = name is null
            ? "EMS outbound client connections count"
            : "EMS outbound client connections count for the corresponding localstreamname: " + CommandParser.Shorten(name);
        return ValueTask.FromResult(ApiReply.Ok(description, new JsonObject { ["outboundCount"] = streams.CountOutputs(name) }));
    }
}
