namespace EmsSharp.Server.Delivery.Hls;

/// <summary>
/// One segmented output's disk writes (HLS or DASH), off its read loop: the loop only enqueues, and the queue's own writer
/// thread (a <see cref="DiskThread"/>, ARCHITECTURE.md rule 10: a blocked disk holds it, never a thread-pool worker)
/// writes the files in order. The loop, the segmenter and the in-memory playlist the HTTP side serves from therefore
/// never wait for the disk. The pending segment bytes are bounded (<see cref="HlsOptions.MaxPendingWriteBytes"/>): when a
/// new segment would pass the bound (the disk is blocked or too slow) the oldest pending segments are dropped whole, never
/// waited for, and counted. A manifest (playlist, MPD) is coalesced: only its newest content matters, so a pending write of
/// the same file is replaced, and its content is rendered when the writer gets to it. Thread-safe.
/// </summary>
internal sealed class SegmentWriteQueue
{
    private readonly Lock _gate = new();
    private readonly LinkedList<WriteItem> _pending = new();
    private readonly IHlsFileSystem _files;
    private readonly long _maxBytes;
    private readonly Action<string, string> _failed;
    private readonly Action _succeeded;
    private readonly CancellationToken _token;
    private TaskCompletionSource _signal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _idle = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _bytes;
    private long _dropped;
    private bool _completed;

    /// <param name="files">The disk.</param>
    /// <param name="maxBytes">The most segment bytes pending.</param>
    /// <param name="failed">Told (path, reason) when a file could not be written or a segment was dropped.</param>
    /// <param name="succeeded">Told when a file was written (the disk works again).</param>
    /// <param name="token">Stops the writer (the output was removed): what is pending is not written.</param>
    /// <param name="name">The writer thread's name.</param>
    public SegmentWriteQueue(
        IHlsFileSystem files, long maxBytes, Action<string, string> failed, Action succeeded, CancellationToken token, string name = "segment writer")
    {
        _files = files;
        _maxBytes = maxBytes;
        _failed = failed;
        _succeeded = succeeded;
        _token = token;
        Completion = DiskThread.Run(name, Run);
    }

    /// <summary>The reason given for a dropped segment.</summary>
    public const string DropReason = "the disk is too slow: the write queue is full and the segment was dropped";

    /// <summary>
    /// Ends once <see cref="Complete"/> was called and everything pending was written, or once the token fired and the
    /// write in progress (if any: a frozen disk may hold it) returned.
    /// </summary>
    public Task Completion { get; }

    /// <summary>Segments dropped because the queue was full, since the output started.</summary>
    public long DroppedSegments => Interlocked.Read(ref _dropped);

    /// <summary>Completes once nothing is pending or being written (until the next enqueue).</summary>
    public Task Idle
    {
        get
        {
            lock (_gate)
            {
                return _idle.Task;
            }
        }
    }

    /// <summary>Segment bytes waiting to be written.</summary>
    public long PendingBytes
    {
        get
        {
            lock (_gate)
            {
                return _bytes;
            }
        }
    }

    /// <summary>
    /// A media segment: written in turn, or dropped (<paramref name="dropped"/>, then the failure callback) when later
    /// segments need its room. <paramref name="written"/> runs on the writer once the file is complete on disk.
    /// </summary>
    public void EnqueueSegment(string path, byte[] bytes, Action written, Action dropped)
    {
        List<WriteItem>? drops = null;
        lock (_gate)
        {
            for (var node = _pending.First; node is not null && _bytes + bytes.Length > _maxBytes;)
            {
                var next = node.Next;
                if (node.Value.Dropped is not null)
                {
                    _pending.Remove(node);
                    _bytes -= node.Value.Size;
                    (drops ??= []).Add(node.Value);
                }

                node = next;
            }

            Add(new WriteItem(path, bytes, null, null, written, dropped));
        }

        foreach (var drop in drops ?? [])
        {
            Interlocked.Increment(ref _dropped);
            drop.Dropped!();
            _failed(drop.Path, DropReason);
        }
    }

    /// <summary>A file written whole and never dropped (an init segment: small, and the segments need it).</summary>
    public void EnqueueFile(string path, byte[] bytes, Action? written)
    {
        lock (_gate)
        {
            Add(new WriteItem(path, bytes, null, null, written, null));
        }
    }

    /// <summary>
    /// A manifest, coalesced: a pending write of <paramref name="path"/> is replaced by this one, at the end of the queue
    /// (after the segments it lists), and <paramref name="render"/> makes its content when the writer gets to it (null:
    /// nothing to write yet).
    /// </summary>
    public void EnqueueManifest(string path, Func<byte[]?> render, Action? written)
    {
        lock (_gate)
        {
            Replace(path);
            Add(new WriteItem(path, null, render, null, written, null));
        }
    }

    /// <summary>Other disk work (deleting stale segments), coalesced by <paramref name="key"/> like a manifest.</summary>
    public void EnqueueWork(string key, Action work)
    {
        lock (_gate)
        {
            Replace(key);
            Add(new WriteItem(key, null, null, work, null, null));
        }
    }

    /// <summary>No more writes: the writer ends once the pending ones are done.</summary>
    public void Complete()
    {
        lock (_gate)
        {
            _completed = true;
            _signal.TrySetResult();
        }
    }

    private void Add(WriteItem item)
    {
        if (_idle.Task.IsCompleted)
        {
            _idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        _pending.AddLast(item);
        _bytes += item.Size;
        _signal.TrySetResult();
    }

    private void Replace(string key)
    {
        for (var node = _pending.First; node is not null; node = node.Next)
        {
            if (node.Value.Path == key && node.Value.Bytes is null)
            {
                _pending.Remove(node);
                return;
            }
        }
    }

    private void Run()
    {
        try
        {
            while (true)
            {
                _token.ThrowIfCancellationRequested(); // removed: not one more file (nor its temporary)
                WriteItem? item = null;
                Task signal;
                lock (_gate)
                {
                    if (_pending.First is { } first)
                    {
                        item = first.Value;
                        _pending.RemoveFirst();
                        _bytes -= item.Size;
                    }
                    else
                    {
                        _idle.TrySetResult();
                        if (_completed)
                        {
                            return;
                        }
                    }

                    if (_signal.Task.IsCompleted)
                    {
                        _signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    }

                    signal = _signal.Task;
                }

                if (item is null)
                {
                    signal.Wait(_token);
                    continue;
                }

                Write(item);
            }
        }
        catch (OperationCanceledException) when (_token.IsCancellationRequested)
        {
            // the output was removed: what is pending stays unwritten
        }
    }

    private void Write(WriteItem item)
    {
        try
        {
            if (item.Work is { } work)
            {
                work();
                return;
            }

            if ((item.Bytes ?? item.Render!()) is not { } bytes)
            {
                return;
            }

            _files.WriteAtomic(item.Path, bytes);
            _succeeded();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            item.Dropped?.Invoke();
            _failed(item.Path, ex.Message);
            return;
        }

        item.Written?.Invoke();
    }

    // Bytes: a segment's or an init segment's; Render: a manifest's, made when written; Work: other disk work.
    // Dropped: set for a segment (which may be dropped), run when it is dropped or its write failed.
    private sealed record WriteItem(string Path, byte[]? Bytes, Func<byte[]?>? Render, Action? Work, Action? Written, Action? Dropped)
    {
        public long Size => Bytes?.Length ?? 0;
    }
}
