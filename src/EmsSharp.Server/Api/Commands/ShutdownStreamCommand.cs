using EmsSharp.Media.Hub;
using EmsSharp.Server.Ingest;

namespace EmsSharp.Server.Api.Commands;

/// <summary>
/// <c>shutdownStream</c>: ends a live stream. A pulled stream's configuration is removed, so it stays down
/// ("permanently"); a pushed stream ends and its publisher may publish again.
/// </summary>
internal sealed class ShutdownStreamCommand(StreamHub hub, PullStreamManager pulls, TimeProvider time) : IApiCommand
{
    public string Name => "shutdownStream";

    public bool ChangesState => true;

    public string Description => "Ends a live stream (by id or localstreamname); a pull's configuration is removed";

    public IReadOnlyList<CommandParameter> Parameters => StreamInfoJson.SelectorParameters;

    public async ValueTask<ApiReply> ExecuteAsync(CommandArguments arguments, CommandSession session, CancellationToken cancellationToken)
    {
        if (!StreamInfoJson.TryFind(arguments, hub, out var stream, out var failure))
        {
            return failure;
        }

        var info = StreamInfoJson.Create(stream, pulls, time);
        if (pulls.FindByStreamName(stream.Name) is { } pull)
        {
            await pulls.RemoveAsync(pull.Configuration.ConfigId).ConfigureAwait(false);
        }

        stream.Dispose();
        return ApiReply.Ok("Stream closed", info);
    }
}
