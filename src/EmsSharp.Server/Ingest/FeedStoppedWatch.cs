using System.Text.Json.Nodes;
using EmsSharp.Media.Hub;
using EmsSharp.Server.Events;
using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Ingest;

/// <summary>
/// <c>audioFeedStopped</c>/<c>videoFeedStopped</c> (shared/EVOSTREAM-API.md §5.3): an inbound stream that has received
/// audio (video) and then none for <see cref="EventOptions.FeedStoppedAfter"/>, while it lives on, raises the event once;
/// frames that come back re-arm it. The watch samples the streams' frame counters on a timer (a quarter of the threshold,
/// at most 1 s apart), so the frame path does no work for it, and reads time from the <see cref="TimeProvider"/>.
/// The payload has the stream's uniqueId under both names the sources give (<c>streamId</c> in D20, <c>id</c> in RMS) and
/// <c>localStreamName</c>.
/// </summary>
internal sealed class FeedStoppedWatch(StreamHub hub, IEventPublisher events, IOptions<EmsOptions> options, TimeProvider time)
    : IHostedService, IDisposable
{
    private readonly TimeSpan _threshold = options.Value.Events.FeedStoppedAfter;
    private readonly Dictionary<long, Feeds> _feeds = [];
    private readonly Lock _gate = new();
    private ITimer? _timer;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var period = TimeSpan.FromTicks(Math.Clamp(_threshold.Ticks / 4, TimeSpan.FromMilliseconds(25).Ticks, TimeSpan.TicksPerSecond));
        _timer = time.CreateTimer(_ => Check(), null, period, period);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _timer?.Dispose();
        return Task.CompletedTask;
    }

    public void Dispose() => _timer?.Dispose();

    /// <summary>One look at every live stream (the timer's tick).</summary>
    internal void Check()
    {
        lock (_gate) // a slow tick never overlaps the next
        {
            var now = time.GetTimestamp();
            var live = new HashSet<long>();
            foreach (var stream in hub.GetStreams())
            {
                var stats = stream.GetStats();
                live.Add(stream.Id);
                if (!_feeds.TryGetValue(stream.Id, out var feeds))
                    _feeds[stream.Id] = feeds = new Feeds(new Feed(now), new Feed(now));
                if (feeds.Audio.Stopped(stats.AudioFrames, now, _threshold, time))
                    events.Publish(EventTypes.AudioFeedStopped, Payload(stream));
                if (feeds.Video.Stopped(stats.VideoFrames, now, _threshold, time))
                    events.Publish(EventTypes.VideoFeedStopped, Payload(stream));
            }

            foreach (var id in _feeds.Keys)
            {
                if (!live.Contains(id))
                    _feeds.Remove(id);
            }
        }
    }

    private static JsonObject Payload(LiveStream stream) => new()
    {
        ["id"] = stream.Id,
        ["localStreamName"] = stream.Name,
        ["streamId"] = stream.Id,
    };

    private sealed record Feeds(Feed Audio, Feed Video);

    // One track's watch: the frame count at the last change and when it changed.
    private sealed class Feed(long now)
    {
        private long _frames;
        private long _changedAt = now;
        private bool _reported;

        /// <summary>True once per stop: frames were seen, and none came for <paramref name="threshold"/>.</summary>
        public bool Stopped(long frames, long now, TimeSpan threshold, TimeProvider time)
        {
            if (frames != _frames)
            {
                (_frames, _changedAt, _reported) = (frames, now, false);
                return false;
            }

            if (frames == 0 || _reported || time.GetElapsedTime(_changedAt, now) < threshold)
                return false;
            _reported = true;
            return true;
        }
    }
}
