using System.Buffers;
using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using EmsSharp.Protocols.Turn;

namespace EmsSharp.Rendezvous.Turn;

/// <summary>
/// One TURN client over TCP or TLS: frames in by their declared lengths (RFC 8656 §12.5, checked before
/// buffering), frames out through a bounded queue; closed when silent for the idle timeout. Its
/// allocation ends with it.
/// </summary>
internal sealed class TurnStreamConnection(TurnHost host, TurnFiveTuple tuple, Socket socket, X509Certificate2? certificate,
    TimeSpan idleTimeout, TimeProvider time)
{
    private const int MaxQueuedFrames = 1024;
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);

    private readonly Channel<ReadOnlyMemory<byte>> _outbox = Channel.CreateBounded<ReadOnlyMemory<byte>>(
        new BoundedChannelOptions(MaxQueuedFrames) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });

    public TurnFiveTuple Tuple => tuple;

    public void Enqueue(ReadOnlyMemory<byte> frame) => _outbox.Writer.TryWrite(frame);

    public void Abort() => socket.Dispose();

    public async Task RunAsync(CancellationToken token)
    {
        using CancellationTokenSource idle = new(idleTimeout, time);
        using CancellationTokenSource linked = CancellationTokenSource.CreateLinkedTokenSource(token, idle.Token);
        Stream stream = new NetworkStream(socket, ownsSocket: true);
        bool registered = false;
        try
        {
            if (certificate is not null)
            {
                SslStream tls = new(stream, leaveInnerStreamOpen: false);
                stream = tls;
                using CancellationTokenSource handshake = new(HandshakeTimeout, time);
                using CancellationTokenSource both = CancellationTokenSource.CreateLinkedTokenSource(linked.Token, handshake.Token);
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = certificate }, both.Token)
                    .ConfigureAwait(false);
            }

            registered = host.Register(this);
            if (!registered)
            {
                return;
            }

            Task writer = WriteLoopAsync(stream, linked.Token);
            await ReadLoopAsync(stream, idle, linked.Token).ConfigureAwait(false);
            _outbox.Writer.TryComplete();
            await linked.CancelAsync().ConfigureAwait(false);
            await writer.ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException
            or System.Security.Authentication.AuthenticationException)
        {
        }
        finally
        {
            if (registered)
            {
                host.Unregister(this);
            }

            await stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task ReadLoopAsync(Stream stream, CancellationTokenSource idle, CancellationToken token)
    {
        PipeReader reader = PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true));
        try
        {
            while (true)
            {
                ReadResult result = await reader.ReadAsync(token).ConfigureAwait(false);
                idle.CancelAfter(idleTimeout);
                ReadOnlySequence<byte> buffer = result.Buffer;
                bool invalid;
                while (TryReadFrame(ref buffer, out byte[]? frame, out invalid))
                {
                    host.Post(new TurnHost.Input(TurnHost.InputKind.Client, tuple, null, null, frame));
                }

                if (invalid || result.IsCompleted)
                {
                    return; // not TURN, a length over the maximum, or the client closed
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
            }
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    private static bool TryReadFrame(ref ReadOnlySequence<byte> buffer, out byte[]? frame, out bool invalid)
    {
        frame = null;
        invalid = false;
        Span<byte> prefix = stackalloc byte[TurnStreamFraming.PrefixLength];
        int have = (int)Math.Min(buffer.Length, prefix.Length);
        buffer.Slice(0, have).CopyTo(prefix);
        switch (TurnStreamFraming.TryGetFrameLength(prefix[..have], out int length))
        {
            case TurnFrameStatus.Invalid:
                invalid = true;
                return false;
            case TurnFrameStatus.NeedMore:
                return false;
            case TurnFrameStatus.Complete when buffer.Length >= length:
                frame = buffer.Slice(0, length).ToArray();
                buffer = buffer.Slice(length);
                return true;
            default:
                return false;
        }
    }

    private async Task WriteLoopAsync(Stream stream, CancellationToken token)
    {
        try
        {
            await foreach (ReadOnlyMemory<byte> frame in _outbox.Reader.ReadAllAsync(token).ConfigureAwait(false))
            {
                await stream.WriteAsync(frame, token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
        {
        }
    }
}
