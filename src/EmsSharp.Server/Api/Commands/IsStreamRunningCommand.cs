using System.Text.Json.Nodes;
using EmsSharp.Media.Hub;

namespace EmsSharp.Server.Api.Commands;

/// <summary><c>isStreamRunning</c>: whether a stream (by id or localStreamName) is live; data true/false.</summary>
internal sealed class IsStreamRunningCommand(StreamHub hub) : IApiCommand
{
    public string Name => "isStreamRunning";

    public bool ChangesState => false;

    public string Description => "Tells whether a stream (by id or localstreamname) is live";

    public IReadOnlyList<CommandParameter> Parameters => StreamInfoJson.SelectorParameters;

    public ValueTask<ApiReply> ExecuteAsync(CommandArguments arguments, CommandSession session, CancellationToken cancellationToken)
    {
        if (!arguments.Has("id") && !arguments.Has("localStreamName"))
        {
            return ValueTask.FromResult(ApiReply.Fail("Missing parameter: give id or localstreamname"));
        }

        var running = StreamInfoJson.TryFind(arguments, hub, out _, out _);
        return ValueTask.FromResult(ApiReply.Ok(running ? "Stream is running" : "Stream is not running", JsonValue.Create(running)));
    }
}
