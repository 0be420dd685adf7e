using System.Text.Json.Nodes;
using EmsSharp.Media.Hub;
using EmsSharp.Server.Delivery;
using EmsSharp.Server.Ingest;

namespace EmsSharp.Server.Api.Commands;

/// <summary>
/// The streams the API shows, as EvoStream shows them: the hub's inbound streams and the outputs reading them
/// (<see cref="OutboundStreamRegistry"/>), one uniqueId space, each as its stream object (<see cref="StreamInfoJson"/>).
/// </summary>
internal sealed class StreamDirectory(StreamHub hub, PullStreamManager pulls, OutboundStreamRegistry outputs, TimeProvider time)
{
    public StreamHub Hub => hub;

    public PullStreamManager Pulls => pulls;

    /// <summary>The streams in uniqueId order: inbound only, or inbound and outbound.</summary>
    public IReadOnlyList<ListedStream> List(bool inboundOnly)
    {
        var list = new List<ListedStream>();
        foreach (var stream in hub.GetStreams())
        {
            list.Add(new ListedStream(stream, null));
        }

        if (!inboundOnly)
        {
            foreach (var output in outputs.GetStreams())
            {
                list.Add(new ListedStream(null, output));
            }

            list.Sort(static (a, b) => a.Id.CompareTo(b.Id));
        }

        return list;
    }

    /// <summary>The outputs that read <paramref name="source"/>, in uniqueId order.</summary>
    public IReadOnlyList<ListedStream> OutputsOf(LiveStream source)
    {
        var list = new List<ListedStream>();
        foreach (var id in outputs.ReadersOf(source))
        {
            if (outputs.TryGet(id, out var output))
                list.Add(new ListedStream(null, output));
        }

        return list;
    }

    /// <summary>How many streams are live: inbound only, or inbound and outbound.</summary>
    public int Count(bool inboundOnly) => hub.Count + (inboundOnly ? 0 : outputs.Count);

    /// <summary>A stream's object.</summary>
    public JsonObject ToJson(ListedStream stream) => stream.Inbound is { } inbound
        ? StreamInfoJson.Create(inbound, pulls, outputs, time)
        : StreamInfoJson.Create(stream.Outbound!, time);

    /// <summary>The live stream of uniqueId <paramref name="id"/>, inbound or outbound.</summary>
    public bool TryGet(long id, out ListedStream stream)
    {
        if (hub.TryGetStream(id, out var inbound))
        {
            stream = new ListedStream(inbound, null);
            return true;
        }

        if (outputs.TryGet(id, out var output))
        {
            stream = new ListedStream(null, output);
            return true;
        }

        stream = default;
        return false;
    }

    /// <summary>How many outputs (viewers) are live: of every stream, or of the inbound stream named <paramref name="name"/>.</summary>
    public int CountOutputs(string? name)
    {
        if (name is null)
        {
            return outputs.Count;
        }

        var count = 0;
        foreach (var output in outputs.GetStreams())
        {
            if (string.Equals(output.Source.Name, name, StringComparison.Ordinal))
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>
    /// Finds the stream named by <c>id</c> (inbound or outbound) or <c>localStreamName</c> (an inbound stream's name);
    /// the FAIL reply, naming the parameter, when there is none.
    /// </summary>
    public bool TryFind(CommandArguments arguments, out ListedStream stream, out ApiReply failure)
    {
        stream = default;
        failure = null!;
        if (arguments.GetInt64("id") is { } id)
        {
            if (TryGet(id, out stream))
            {
                return true;
            }

            failure = ApiReply.Fail($"No stream has id {id}; see listStreamsIds");
            return false;
        }

        if (arguments.GetString("localStreamName") is { } name)
        {
            if (hub.TryGetStream(name, out var inbound))
            {
                stream = new ListedStream(inbound, null);
                return true;
            }

            failure = ApiReply.Fail($"No stream has localStreamName {CommandParser.Shorten(name)}; see listStreams");
            return false;
        }

        failure = ApiReply.Fail("Missing parameter: give id or localstreamname");
        return false;
    }

    /// <summary>The <c>id</c>/<c>localStreamName</c> pair every per-stream command declares.</summary>
    public static IReadOnlyList<CommandParameter> SelectorParameters { get; } =
    [
        new("id", ParameterKind.Integer, false, null, "uniqueId of the stream, inbound or outbound (see listStreamsIds)"),
        new("localStreamName", ParameterKind.NonEmptyString, false, null, "name of the inbound stream, when id is not given"),
    ];
}

/// <summary>One stream of <see cref="StreamDirectory"/>: an inbound stream or an output (exactly one is set).</summary>
internal readonly record struct ListedStream(LiveStream? Inbound, OutboundStream? Outbound)
{
    public long Id => Inbound?.Id ?? Outbound!.Id;

    /// <summary>The stream's name: an output has its source's.</summary>
    public string Name => Inbound?.Name ?? Outbound!.Source.Name;
}
