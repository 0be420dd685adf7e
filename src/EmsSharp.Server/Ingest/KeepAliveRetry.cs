using EmsSharp.Media.Hub;

namespace EmsSharp.Server.Ingest;

/// <summary>
/// The pause a keepAlive configuration (pullStream, pushStream) takes between a failed attempt and the next: one second,
/// forever, until the configuration is removed. Measured on the server's <see cref="TimeProvider"/>.
/// </summary>
internal static class KeepAliveRetry
{
    /// <summary>The pause between two attempts.</summary>
    public static readonly TimeSpan Delay = TimeSpan.FromSeconds(1);

    /// <summary>Waits <see cref="Delay"/>; false when <paramref name="cancellationToken"/> fired first (stop retrying).</summary>
    public static async Task<bool> WaitAsync(TimeProvider time, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(Delay, time, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>
    /// Waits until the stream <paramref name="name"/> is live, as an output (push, recording, HLS, DASH) does before each
    /// attempt. A stream that just ended may still be found for a moment: then it pauses <see cref="Delay"/> rather than
    /// spin. Null when <paramref name="cancellationToken"/> fired during a pause; the wait itself throws when it fires.
    /// </summary>
    public static async Task<LiveStream?> WaitForLiveStreamAsync(StreamHub hub, string name, TimeProvider time, CancellationToken cancellationToken)
    {
        while (true)
        {
            var stream = await hub.WaitForStreamAsync(name, Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);
            if (stream is { IsClosed: false })
            {
                return stream;
            }

            if (!await WaitAsync(time, cancellationToken).ConfigureAwait(false))
            {
                return null;
            }
        }
    }
}
