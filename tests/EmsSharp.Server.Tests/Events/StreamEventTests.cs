using EmsSharp.Media.Hub;
using EmsSharp.Server.Api.Commands;
using EmsSharp.Server.Configs;
using EmsSharp.Server.Delivery;
using EmsSharp.Server.Events;
using EmsSharp.Server.Ingest;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EmsSharp.Server.Tests.Events;

/// <summary>inStreamCodecsUpdated/outStreamCodecsUpdated and audioFeedStopped/videoFeedStopped (shared/EVOSTREAM-API.md §5.3), in fake time.</summary>
public sealed class StreamEventTests : IDisposable
{
    private readonly string _folder = TestEms.NewDataFolder();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero));
    private readonly RecordingPublisher _events = new();
    private readonly StreamHub _hub;
    private readonly OutboundStreamRegistry _outputs;
    private readonly StreamDirectory _streams;

    public StreamEventTests()
    {
        _hub = new StreamHub(_time);
        var store = new ConfigurationStore(Options.Create(new EmsOptions { DataFolder = _folder }), _time, NullLogger<ConfigurationStore>.Instance);
        _outputs = new OutboundStreamRegistry(_hub, _events, _time);
        _streams = new StreamDirectory(_hub, new PullStreamManager(store, _hub, _time, NullLogger<PullStreamManager>.Instance), _outputs, _time);
    }

    public void Dispose() => TestEms.DeleteFolder(_folder);

    private static readonly byte[] Avcc = [1, 66, 0xC0, 30];

    [Fact]
    public async Task Codecs_updated_follows_created_once_codecs_are_known_and_again_when_they_change()
    {
        var bridge = new StreamEventBridge(_hub, _events, _streams);
        await bridge.StartAsync(CancellationToken.None);
        Assert.True(_hub.TryPublish("cam", out var stream));
        stream.SetVideoTrack(new VideoTrackConfig(MediaCodec.H264, Avcc, 640, 360));
        stream.SetVideoTrack(new VideoTrackConfig(MediaCodec.H264, Avcc, 640, 360)); // a repeated sequence header: nothing
        var output = _outputs.Open(new OutboundStreamSpec(stream, OutboundStream.Fmp4Tag, OperationType.WebRtc, new ViewerTrafficCounters(),
            () => (null, null), () => [], () => { }));
        stream.SetAudioTrack(new AudioTrackConfig(MediaCodec.Aac, new byte[] { 0x12, 0x10 }, 44_100, 2));
        stream.Dispose();
        await bridge.StopAsync(CancellationToken.None);

        Assert.Equal(
            [EventTypes.InStreamCreated, EventTypes.InStreamCodecsUpdated, EventTypes.OutStreamCreated, EventTypes.InStreamCodecsUpdated,
                EventTypes.OutStreamCodecsUpdated, EventTypes.InStreamClosed],
            _events.Types);
        Assert.Equal("VUNK", _events.Payloads[0]["video"]!["codec"]!.GetValue<string>());
        // The payload is the stream object of listStreams (the same builder).
        var first = _events.Payloads[1];
        Assert.Equal(stream.Id, first["uniqueId"]!.GetValue<long>());
        Assert.Equal("VH264", first["video"]!["codec"]!.GetValue<string>());
        Assert.Equal(640, first["video"]!["width"]!.GetValue<int>());
        Assert.Equal("AUNK", first["audio"]!["codec"]!.GetValue<string>());
        Assert.Equal("AAAC", _events.Payloads[3]["audio"]!["codec"]!.GetValue<string>());
        var outbound = _events.Payloads[4];
        Assert.Equal(output.Id, outbound["uniqueId"]!.GetValue<long>());
        Assert.Equal(stream.Id, outbound["inStreamUniqueId"]!.GetValue<long>());
        Assert.Equal("AAAC", outbound["audio"]!["codec"]!.GetValue<string>());
    }

    private FeedStoppedWatch NewWatch(TimeSpan? after = null)
    {
        var options = new EmsOptions();
        options.Events.FeedStoppedAfter = after ?? TimeSpan.FromSeconds(5);
        return new FeedStoppedWatch(_hub, _events, Options.Create(options), _time);
    }

    private static void Frame(LiveStream stream, TrackKind kind) =>
        stream.Publish(new MediaFrame(kind, kind == TrackKind.Video ? MediaCodec.H264 : MediaCodec.Aac, 0, 0, true, new byte[] { 1, 2, 3 }));

    // Advances fake time by `seconds` in 100 ms steps, sending the given tracks' frames at each step.
    private void Run(LiveStream stream, double seconds, bool audio, bool video)
    {
        for (var i = 0; i < seconds * 10; i++)
        {
            if (audio)
                Frame(stream, TrackKind.Audio);
            if (video)
                Frame(stream, TrackKind.Video);
            _time.Advance(TimeSpan.FromMilliseconds(100));
        }
    }

    [Fact]
    public async Task Video_feed_stopped_once_when_video_pauses_while_audio_goes_on_and_again_after_it_resumes()
    {
        using var watch = NewWatch();
        await watch.StartAsync(CancellationToken.None);
        Assert.True(_hub.TryPublish("cam", out var stream));
        Run(stream, 3, audio: true, video: true);
        Run(stream, 4.5, audio: true, video: false);
        Assert.Empty(_events.Types); // under the threshold: a gap, not a stop

        Run(stream, 1, audio: true, video: false);
        Assert.Equal([EventTypes.VideoFeedStopped], _events.Types);
        var payload = _events.Payloads[0];
        Assert.Equal(stream.Id, payload["streamId"]!.GetValue<long>());
        Assert.Equal(stream.Id, payload["id"]!.GetValue<long>());
        Assert.Equal("cam", payload["localStreamName"]!.GetValue<string>());

        Run(stream, 30, audio: true, video: false);
        Assert.Single(_events.Types); // once per stop

        Run(stream, 2, audio: true, video: true);
        Run(stream, 6, audio: true, video: false);
        Assert.Equal([EventTypes.VideoFeedStopped, EventTypes.VideoFeedStopped], _events.Types);
        await watch.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_track_never_seen_never_stops_and_a_closed_stream_raises_nothing()
    {
        using var watch = NewWatch(TimeSpan.FromSeconds(2));
        await watch.StartAsync(CancellationToken.None);
        Assert.True(_hub.TryPublish("audioonly", out var audioOnly));
        Assert.True(_hub.TryPublish("gone", out var gone));
        Run(audioOnly, 1, audio: true, video: false);
        Run(gone, 1, audio: true, video: true);
        gone.Dispose();
        Run(audioOnly, 10, audio: true, video: false);
        Assert.Empty(_events.Types);

        _time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal([EventTypes.AudioFeedStopped], _events.Types);
        Assert.Equal("audioonly", _events.Payloads[0]["localStreamName"]!.GetValue<string>());
        await watch.StopAsync(CancellationToken.None);
    }
}
