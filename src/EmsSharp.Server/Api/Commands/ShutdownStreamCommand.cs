using System.Text.Json.Nodes;

namespace EmsSharp.Server.Api.Commands;

/// <summary>
/// <c>shutdownStream</c>: ends a live stream (by uniqueId <c>id</c> or <c>localStreamName</c>). With <c>permanently</c>
/// (EvoStream's default, 1) a pulled stream's configuration is removed too, so it stays down; with 0 a keepAlive pull
/// starts again at once and its configuration stays. A pushed stream ends and its publisher may publish again. An
/// output's id ends that output: its viewer is disconnected, the stream goes on. The reply's <c>data</c> is
/// <c>{streamInfo}</c>, the stream object as it was, as EvoStream answers it.
/// </summary>
internal sealed class ShutdownStreamCommand(StreamDirectory streams) : IApiCommand
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

        var info = streams.ToJson(found);
        if (found.Outbound is { } output)
        {
            output.Shutdown();
            return ApiReply.Ok("Stream closed", new JsonObject { ["streamInfo"] = info });
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
        return ApiReply.Ok("Stream closed", new JsonObject { ["streamInfo"] = info });
    }
}
