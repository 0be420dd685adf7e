using System.Text.Json.Nodes;
using EmsSharp.Media.Hub;
using EmsSharp.Server.Ingest;

namespace EmsSharp.Server.Api.Commands;

/// <summary><c>listStreams</c>: every live stream with its codecs, bit rate, uptime and readers.</summary>
internal sealed class ListStreamsCommand(StreamHub hub, PullStreamManager pulls, TimeProvider time) : IApiCommand
{
    public string Name => "listStreams";

    public bool ChangesState => false;

    public string Description => "Lists the live streams (uniqueId, name, type, codecs, bitrate, upTime, readers)";

    public IReadOnlyList<CommandParameter> Parameters { get; } = [];

    public ValueTask<ApiReply> ExecuteAsync(CommandArguments arguments, CommandSession session, CancellationToken cancellationToken)
    {
        var list = new JsonArray();
        foreach (var stream in hub.GetStreams())
        {
            list.Add(StreamInfoJson.Create(stream, pulls, time));
        }

        return ValueTask.FromResult(ApiReply.Ok("Available streams", list));
    }
}
