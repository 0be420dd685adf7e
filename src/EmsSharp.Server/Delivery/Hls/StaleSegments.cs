namespace EmsSharp.Server.Delivery.Hls;

/// <summary>
/// A rolling output's segments that left the playlist (and the staleRetentionCount after it), deleted on the output's
/// writer: <see cref="Advance"/> from the read loop moves the mark and enqueues the work, coalesced, so a blocked disk
/// holds one pending deletion however many segments went stale meanwhile.
/// </summary>
internal sealed class StaleSegments(string key, Func<long, string> path, IHlsFileSystem files, Action<string> deleted)
{
    private long _through = -1;
    private long _next; // the writer's

    /// <summary>Every segment up to <paramref name="through"/> is stale.</summary>
    public void Advance(long through, SegmentWriteQueue writes)
    {
        Volatile.Write(ref _through, through);
        writes.EnqueueWork(key, Delete);
    }

    private void Delete()
    {
        for (var through = Volatile.Read(ref _through); _next <= through; _next++)
        {
            var file = path(_next);
            if (files.TryDelete(file))
            {
                deleted(file);
            }
        }
    }
}
