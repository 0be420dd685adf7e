namespace EmsSharp.Server.Delivery;

/// <summary>
/// A thread of its own for an output's file writes (ARCHITECTURE.md rule 10): a disk that blocks (frozen, a hung network
/// mount, a dying drive) holds only this thread, never a thread-pool worker that the ingest, the API and every other
/// output share. When its workers all block, the pool adds a thread only about every half second, so two writers blocked
/// on a frozen disk stood the RTMP ingest still for a second (<c>StalledOutputsPlaybackTests</c>).
/// </summary>
internal static class DiskThread
{
    /// <summary>
    /// Runs <paramref name="body"/> on a new background thread named <paramref name="name"/>; the task ends when it
    /// returns, with its exception if it threw.
    /// </summary>
    public static Task Run(string name, Action body)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                body();
                done.TrySetResult();
            }
            catch (OperationCanceledException e)
            {
                done.TrySetCanceled(e.CancellationToken);
            }
            catch (Exception e)
            {
                done.TrySetException(e);
            }
        })
        {
            IsBackground = true,
            Name = name,
        };
        thread.Start();
        return done.Task;
    }
}
