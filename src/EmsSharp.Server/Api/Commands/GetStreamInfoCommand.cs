using EmsSharp.Media.Hub;
using EmsSharp.Server.Ingest;

namespace EmsSharp.Server.Api.Commands;

/// <summary><c>getStreamInfo</c>: one live stream, by id or localStreamName.</summary>
internal sealed class GetStreamInfoCommand(StreamHub hub, PullStreamManager pulls, TimeProvider time) : IApiCommand
{
    public string Name => "getStreamInfo";

    public bool ChangesState => false;

    public string Description => "Shows one live stream (by id or localstreamname)";

    public IReadOnlyList<CommandParameter> Parameters => StreamInfoJson.SelectorParameters;

    public ValueTask<ApiReply> ExecuteAsync(CommandArguments arguments, CommandSession session, CancellationToken cancellationToken) =>
        ValueTask.FromResult(StreamInfoJson.TryFind(arguments, hub, out var stream, out var failure)
            ? ApiReply.Ok("Stream information", StreamInfoJson.Create(stream, pulls, time))
            : failure);
}
