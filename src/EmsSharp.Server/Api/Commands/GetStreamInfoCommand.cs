namespace EmsSharp.Server.Api.Commands;

/// <summary><c>getStreamInfo</c>: one stream, inbound or outbound by id, inbound by localStreamName.</summary>
internal sealed class GetStreamInfoCommand(StreamDirectory streams) : IApiCommand
{
    public string Name => "getStreamInfo";

    public bool ChangesState => false;

    public string Description => "Shows one stream (an inbound stream by id or localstreamname, an output by id)";

    public IReadOnlyList<CommandParameter> Parameters => StreamDirectory.SelectorParameters;

    public ValueTask<ApiReply> ExecuteAsync(CommandArguments arguments, CommandSession session, CancellationToken cancellationToken) =>
        ValueTask.FromResult(streams.TryFind(arguments, out var stream, out var failure)
            ? ApiReply.Ok("Stream information", streams.ToJson(stream))
            : failure);
}
