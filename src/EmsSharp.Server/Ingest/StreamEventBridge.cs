using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using EmsSharp.Media.Hub;
using EmsSharp.Server.Api.Commands;
using EmsSharp.Server.Events;

namespace EmsSharp.Server.Ingest;

/// <summary>
/// Turns the hub's StreamCreated/StreamClosed into <c>inStreamCreated</c>/<c>inStreamClosed</c> events whose payload is the
/// stream object of listStreams (EvoStream's events carry the stream's full stats), and a stream's track changes into
/// <c>inStreamCodecsUpdated</c> (and <c>outStreamCodecsUpdated</c> for each output reading it, whose codecs are its
/// source's) once the codecs are known or change (shared/EVOSTREAM-API.md §5.3). A publisher that sets the same track
/// again (a repeated RTMP sequence header) raises nothing. EmsSharp has no neutral streams: no <c>streamCodecsUpdated</c>.
/// </summary>
internal sealed class StreamEventBridge(StreamHub hub, IEventPublisher events, StreamDirectory streams) : IHostedService
{
    // The codecs each live stream was last announced with (at its creation: usually none).
    private readonly ConcurrentDictionary<LiveStream, string> _codecs = new();

    public Task StartAsync(CancellationToken cancellationToken)
    {
        hub.StreamCreated += OnCreated;
        hub.StreamClosed += OnClosed;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        hub.StreamCreated -= OnCreated;
        hub.StreamClosed -= OnClosed;
        foreach (var stream in _codecs.Keys)
            stream.TracksChanged -= OnTracksChanged;
        _codecs.Clear();
        return Task.CompletedTask;
    }

    private void OnCreated(LiveStream stream)
    {
        // Raised before the publisher holds the stream, so no track can be set before this subscription.
        _codecs[stream] = Codecs(stream);
        stream.TracksChanged += OnTracksChanged;
        events.Publish(EventTypes.InStreamCreated, Payload(stream));
    }

    private void OnClosed(LiveStream stream)
    {
        stream.TracksChanged -= OnTracksChanged;
        _codecs.TryRemove(stream, out _);
        events.Publish(EventTypes.InStreamClosed, Payload(stream));
    }

    // On the publisher's thread: one publisher per stream, so the compare and the update do not race.
    private void OnTracksChanged(LiveStream stream)
    {
        var codecs = Codecs(stream);
        if (!_codecs.TryGetValue(stream, out var announced) || announced == codecs)
            return;
        _codecs[stream] = codecs;
        events.Publish(EventTypes.InStreamCodecsUpdated, Payload(stream));
        foreach (var output in streams.OutputsOf(stream))
            events.Publish(EventTypes.OutStreamCodecsUpdated, streams.ToJson(output));
    }

    private JsonObject Payload(LiveStream stream) => streams.ToJson(new ListedStream(stream, null));

    // What the stream object says of the codecs: names, picture size, sample rate and channels, and the decoder
    // configuration (a new SPS is a new profile or level).
    private static string Codecs(LiveStream stream)
    {
        var video = stream.Video;
        var audio = stream.Audio;
        return string.Join('|',
            StreamInfoJson.CodecName(video?.Codec, TrackKind.Video), video?.Width, video?.Height,
            video is null ? "" : Convert.ToHexString(video.DecoderConfiguration.Span),
            StreamInfoJson.CodecName(audio?.Codec, TrackKind.Audio), audio?.SampleRate, audio?.Channels,
            audio is null ? "" : Convert.ToHexString(audio.DecoderConfiguration.Span));
    }
}
