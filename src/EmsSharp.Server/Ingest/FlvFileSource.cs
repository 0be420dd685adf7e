using EmsSharp.Media.Flv;
using EmsSharp.Media.Hub;

namespace EmsSharp.Server.Ingest;

/// <summary>
/// Plays one FLV file as a live stream in real time, paced by its timestamps on a <see cref="TimeProvider"/>
/// (the driver of a <see cref="FlvLoopPlayer"/>).
/// </summary>
internal sealed class FlvFileSource(string streamName, ReadOnlyMemory<byte> file, bool loop, StreamHub hub, TimeProvider time)
{
    /// <summary>The player, once running (for tests and stats).</summary>
    public FlvLoopPlayer? Player { get; private set; }

    /// <summary>Maximum size of a file played from memory.</summary>
    public const long MaxFileBytes = 512L * 1024 * 1024;

    /// <summary>Plays until the end (without loop), cancellation, or a broken file; then ends the stream.</summary>
    /// <returns>Null on success, else why it could not play.</returns>
    public async Task<string?> RunAsync(CancellationToken cancellationToken)
    {
        if (!FlvFileReader.TryOpen(file, out var reader))
        {
            return "not an FLV file";
        }

        if (!hub.TryPublish(streamName, out var stream, new StreamOrigin(StreamOrigin.FlvFileTag)))
        {
            return "the stream name is already live";
        }

        using (stream)
        {
            var player = new FlvLoopPlayer(reader, new FlvTagPublisher(stream), loop);
            Player = player;
            var origin = time.GetTimestamp();
            while (true)
            {
                var elapsed = time.GetElapsedTime(origin);
                if (player.PublishDue(elapsed) is not { } next)
                {
                    return player.TagsPublished == 0 ? "no playable tags" : null;
                }

                try
                {
                    await Task.Delay(next - elapsed, time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return null;
                }
            }
        }
    }
}
