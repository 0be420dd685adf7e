using System.Buffers;
using System.IO.Pipelines;

namespace EmsSharp.Server.Connections;

/// <summary>
/// A Kestrel connection's transport with its bytes counted into a <see cref="Connection"/>: what the application consumes
/// of the input (rx) and what it commits to the output (tx). Nothing is copied; the calls go through to the inner pipe.
/// </summary>
internal sealed class CountingDuplexPipe(IDuplexPipe inner, Connection connection) : IDuplexPipe
{
    public PipeReader Input { get; } = new CountingReader(inner.Input, connection);

    public PipeWriter Output { get; } = new CountingWriter(inner.Output, connection);

    private sealed class CountingReader(PipeReader inner, Connection connection) : PipeReader
    {
        private ReadOnlySequence<byte> _last;

        public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default) =>
            Keep(await inner.ReadAsync(cancellationToken).ConfigureAwait(false));

        public override bool TryRead(out ReadResult result)
        {
            if (!inner.TryRead(out result))
            {
                return false;
            }

            Keep(result);
            return true;
        }

        public override void AdvanceTo(SequencePosition consumed)
        {
            Count(consumed);
            inner.AdvanceTo(consumed);
        }

        public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
        {
            Count(consumed);
            inner.AdvanceTo(consumed, examined);
        }

        public override void CancelPendingRead() => inner.CancelPendingRead();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

        private ReadResult Keep(ReadResult result)
        {
            _last = result.Buffer;
            return result;
        }

        // The bytes consumed of the buffer last read are received for good (what is only examined comes back next read).
        private void Count(SequencePosition consumed)
        {
            if (!_last.IsEmpty)
            {
                connection.AddReceived(_last.Slice(_last.Start, consumed).Length);
            }

            _last = default;
        }
    }

    private sealed class CountingWriter(PipeWriter inner, Connection connection) : PipeWriter
    {
        public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

        public override long UnflushedBytes => inner.UnflushedBytes;

        public override void Advance(int bytes)
        {
            inner.Advance(bytes);
            connection.AddSent(bytes);
        }

        public override Memory<byte> GetMemory(int sizeHint = 0) => inner.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => inner.GetSpan(sizeHint);

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => inner.FlushAsync(cancellationToken);

        public override ValueTask<FlushResult> WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
        {
            connection.AddSent(source.Length);
            return inner.WriteAsync(source, cancellationToken);
        }

        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);
    }
}
