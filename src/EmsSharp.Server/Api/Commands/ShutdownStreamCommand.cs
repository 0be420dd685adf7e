using System.Text.Json.Nodes;

namespace EmsSharp.Server.Api.Commands;

/// <summary>
/// <c>shutdownStream</c>: ends a live stream (by uniqueId <c>id</c> or <c>localStreamName</c>). With <c>permanently</c>
/// (EvoStream's default, 1) a pulled stream's configuration is removed too, so it stays down; with 0 a keepAlive pull
/// starts again at once and its configuration stays. A pushed stream ends and its publisher may publish again. An
/// output's id ends that output: its viewer is disconnected, the stream goes on. The reply's <c>data</c> is
/// <c>{protocolStackInfo, streamInfo}</c> as EvoStream answers it: the stream's connection as <c>listConnections</c> shows it
/// (<c>{carrier, stack}</c>; null for a stream no connection carries, a file source) and the stream object, both as they were.
/// </summary>
internal sealed class ShutdownStreamCommand(StreamDirectory streams, ConnectionDirectory connections) : IApiCommand
{
    public string Name => "shutdownStream";

    public bool ChangesState => true;

    public string Description =>
        "Ends a live stream (by id or localstreamname), or an output (a viewer, by id); permanently=1 also removes a pull's configuration";

    public IReadOnlyList<CommandParameter> Parameters { get; } =
    [
        .. StreamDirectory.SelectorParameters,
        new("permanently", ParameterKind.Boolean, false, "true", "also remove a pull's configuration; 0: a keepAlive pull comes back"),
    ];

    public async ValueTask<ApiReply> ExecuteAsync(CommandArguments arguments, CommandSession session, CancellationToken cancellationToken)
    {
        if (!streams.TryFind(arguments, out var found, out var failure))
        {
            return failure;
        }

        var closed = new JsonObject { ["protocolStackInfo"] = connections.StackInfoOfStream(found.Id), ["streamInfo"] = streams.ToJson(found) };
        if (found.Outbound is { } output)
        {
            output.Shutdown();
            return ApiReply.Ok("Stream closed", closed);
        }

        var stream = found.Inbound!;
        var pulls = streams.Pulls;
        if (pulls.FindByStreamName(stream.Name) is { } pull)
        {
            var keep = arguments.GetBoolean("permanently") == false && pull.Configuration.KeepAlive;
            if (!keep || !await pulls.RestartAsync(pull.Configuration.ConfigId).ConfigureAwait(false))
            {
                await pulls.RemoveAsync(pull.Configuration.ConfigId).ConfigureAwait(false);
            }
        }

        stream.Dispose();
        return ApiReply.Ok("Stream closed", closed);
    }
}
