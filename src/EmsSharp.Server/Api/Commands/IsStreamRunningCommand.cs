using System.Text.Json.Nodes;

namespace EmsSharp.Server.Api.Commands;

/// <summary>
/// <c>isStreamRunning</c>: whether a stream (an inbound stream or an output by uniqueId <c>id</c>, an inbound stream by <c>localStreamName</c>) is live, as EvoStream
/// answers it: <c>{"Running": bool}</c> (capital R), SUCCESS with false for a stream that does not exist.
/// </summary>
internal sealed class IsStreamRunningCommand(StreamDirectory streams) : IApiCommand
{
    public string Name => "isStreamRunning";

    public bool ChangesState => false;

    public string Description => "Tells whether a stream (by id or localstreamname) is live: {Running: true or false}";

    public IReadOnlyList<CommandParameter> Parameters => StreamDirectory.SelectorParameters;

    public ValueTask<ApiReply> ExecuteAsync(CommandArguments arguments, CommandSession session, CancellationToken cancellationToken)
    {
        if (!arguments.Has("id") && !arguments.Has("localStreamName"))
        {
            return ValueTask.FromResult(ApiReply.Fail("Missing parameter: give id or localstreamname"));
        }

        var running = streams.TryFind(arguments, out _, out _);
        return ValueTask.FromResult(ApiReply.Ok("Stream status:", new JsonObject { ["Running"] = running }));
    }
}
