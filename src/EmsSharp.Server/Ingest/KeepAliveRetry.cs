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
}
