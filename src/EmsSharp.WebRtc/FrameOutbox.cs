using System.Buffers;
using System.Net.Sockets;
using System.Threading.Channels;

namespace EmsSharp.WebRtc;

/// <summary>
/// The send side of a stream path (an ICE-TCP connection, a TURN connection): frames are copied into pooled buffers and
/// queued (bounded) for one writer task, so a caller on a session loop or a media thread never blocks on the socket; a
/// full queue drops the frame like a lossy network, and a write error ends the writer and drops the rest.
/// </summary>
internal sealed class FrameOutbox
{
    private readonly Func<ReadOnlyMemory<byte>, ValueTask> _write;
    private readonly Channel<(byte[] Buffer, int Length)> _frames;

    public FrameOutbox(int capacity, Func<ReadOnlyMemory<byte>, ValueTask> write)
    {
        _write = write;
        _frames = Channel.CreateBounded<(byte[], int)>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.DropWrite,
        }, static dropped => ArrayPool<byte>.Shared.Return(dropped.Item1));
        Completion = Task.Run(WriteLoopAsync);
    }

    /// <summary>Ends once the queue is completed and drained, or a write failed.</summary>
    public Task Completion { get; }

    /// <summary>Queues <paramref name="prefix"/> then <paramref name="frame"/> as one write; false when full or completed.</summary>
    public bool TryEnqueue(ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> frame)
    {
        var length = prefix.Length + frame.Length;
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        prefix.CopyTo(buffer);
        frame.CopyTo(buffer.AsSpan(prefix.Length));
        if (_frames.Writer.TryWrite((buffer, length)))
        {
            return true;
        }

        ArrayPool<byte>.Shared.Return(buffer);
        return false;
    }

    /// <summary>No more frames: the writer sends what is queued, then ends.</summary>
    public void Complete() => _frames.Writer.TryComplete();

    private async Task WriteLoopAsync()
    {
        var reader = _frames.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var frame))
            {
                try
                {
                    await _write(frame.Buffer.AsMemory(0, frame.Length)).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
                {
                    Complete();
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(frame.Buffer);
                }
            }
        }
    }
}
