using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Unicode;

namespace EmsSharp.Server.Api;

/// <summary>
/// One line-oriented TCP command transport (PROTOCOL.md §1.1): the ASCII CLI or the JSON CLI.
/// Each connection reads newline-framed UTF-8 lines through a <see cref="PipeReader"/>; a line longer than
/// <see cref="ApiOptions.MaxLineLength"/> gets a FAIL and the connection is closed before more is buffered.
/// Invalid UTF-8 lines get a FAIL; a peer that leaves mid-line is logged. No client can stop the others.
/// </summary>
internal sealed partial class CliListener(
    ApiTransport transport,
    EndpointOptions endpoint,
    ApiOptions api,
    CommandRegistry registry,
    IHostApplicationLifetime lifetime,
    ILogger logger) : IAsyncDisposable
{
    private static readonly TimeSpan WriteTimeout = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<int, Task> _connections = new();
    private readonly CancellationTokenSource _stopping = new();
    private TcpListener? _listener;
    private Task _acceptLoop = Task.CompletedTask;
    private int _active;
    private int _nextConnectionId;

    /// <summary>The bound endpoint (after <see cref="Start"/>).</summary>
    public IPEndPoint? LocalEndPoint { get; private set; }

    public void Start()
    {
        var listener = new TcpListener(endpoint.ToEndPoint());
        listener.Start(backlog: 512);
        _listener = listener;
        LocalEndPoint = (IPEndPoint)listener.LocalEndpoint;
        LogListening(logger, transport, LocalEndPoint);
        _acceptLoop = AcceptLoopAsync(_stopping.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener?.Stop();
        await _acceptLoop.ConfigureAwait(false);
        await Task.WhenAll(_connections.Values).ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener!.AcceptSocketAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex)
            {
                LogAcceptFailed(logger, transport, ex.SocketErrorCode);
                continue;
            }

            var id = Interlocked.Increment(ref _nextConnectionId);
            _connections[id] = RunConnectionAsync(id, socket, cancellationToken);
        }
    }

    private async Task RunConnectionAsync(int id, Socket socket, CancellationToken cancellationToken)
    {
        await Task.Yield();
        var remote = socket.RemoteEndPoint;
        var stream = new NetworkStream(socket, ownsSocket: true);
        try
        {
            if (Interlocked.Increment(ref _active) > api.MaxCliConnections)
            {
                LogTooMany(logger, transport, remote, api.MaxCliConnections);
                await WriteReplyAsync(stream, transport, ApiReply.Fail($"Too many connections (max {api.MaxCliConnections}); try again later"), cancellationToken).ConfigureAwait(false);
                return;
            }

            await ServeAsync(stream, remote, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            LogConnectionError(logger, transport, remote, ex.Message);
        }
        finally
        {
            Interlocked.Decrement(ref _active);
            await stream.DisposeAsync().ConfigureAwait(false);
            _connections.TryRemove(id, out _);
        }
    }

    private async Task ServeAsync(NetworkStream stream, EndPoint? remote, CancellationToken cancellationToken)
    {
        var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 4096, leaveOpen: true));
        var session = new CommandSession(transport);
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                var buffer = result.Buffer;
                while (TryReadLine(ref buffer, out var line))
                {
                    if (line.Length > api.MaxLineLength)
                    {
                        await RejectLongLineAsync(stream, remote, cancellationToken).ConfigureAwait(false);
                        return;
                    }

                    var reply = await ExecuteAsync(line, session, remote, cancellationToken).ConfigureAwait(false);
                    if (reply is null)
                        continue;
                    await WriteReplyAsync(stream, transport, reply, cancellationToken).ConfigureAwait(false);
                    if (session.ShutdownRequested)
                        lifetime.StopApplication();
                    if (session.QuitRequested || session.ShutdownRequested)
                        return;
                }

                // Checked before asking for more: an unterminated line never grows past the limit.
                if (buffer.Length > api.MaxLineLength)
                {
                    await RejectLongLineAsync(stream, remote, cancellationToken).ConfigureAwait(false);
                    return;
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    if (!buffer.IsEmpty)
                        LogPartialLine(logger, transport, remote, buffer.Length);
                    return;
                }
            }
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    private async ValueTask<ApiReply?> ExecuteAsync(ReadOnlySequence<byte> line, CommandSession session, EndPoint? remote, CancellationToken cancellationToken)
    {
        var bytes = line.IsSingleSegment ? line.First : line.ToArray();
        if (!Utf8.IsValid(bytes.Span))
        {
            LogBinary(logger, transport, remote, bytes.Length);
            return ApiReply.Fail("Invalid command line: not UTF-8 text; try: help");
        }

        var text = Encoding.UTF8.GetString(bytes.Span);
        if (string.IsNullOrWhiteSpace(text))
            return null;
        return await registry.ExecuteLineAsync(text, session, cancellationToken).ConfigureAwait(false);
    }

    private async Task RejectLongLineAsync(NetworkStream stream, EndPoint? remote, CancellationToken cancellationToken)
    {
        LogLineTooLong(logger, transport, remote, api.MaxLineLength);
        await WriteReplyAsync(stream, transport, ApiReply.Fail($"Line too long (max {api.MaxLineLength} bytes); connection closed"), cancellationToken).ConfigureAwait(false);
    }

    private static async Task WriteReplyAsync(NetworkStream stream, ApiTransport transport, ApiReply reply, CancellationToken cancellationToken)
    {
        byte[] bytes;
        if (transport == ApiTransport.JsonCli)
        {
            var json = ReplyFormatter.ToJsonUtf8(reply);
            bytes = new byte[json.Length + 1];
            json.CopyTo(bytes, 0);
            bytes[^1] = (byte)'\n';
        }
        else
        {
            bytes = Encoding.UTF8.GetBytes(ReplyFormatter.ToAscii(reply));
        }

        // A client that stops reading must not hold its connection slot forever.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(WriteTimeout);
        await stream.WriteAsync(bytes, timeout.Token).ConfigureAwait(false);
    }

    private static bool TryReadLine(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> line)
    {
        var reader = new SequenceReader<byte>(buffer);
        if (!reader.TryReadTo(out line, (byte)'\n'))
            return false;
        if (!line.IsEmpty && line.Slice(line.Length - 1).FirstSpan[0] == (byte)'\r')
            line = line.Slice(0, line.Length - 1);
        buffer = buffer.Slice(reader.Position);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Transport} listening on {EndPoint}")]
    private static partial void LogListening(ILogger logger, ApiTransport transport, IPEndPoint endPoint);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Transport}: accept failed ({Error})")]
    private static partial void LogAcceptFailed(ILogger logger, ApiTransport transport, SocketError error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Transport}: refused {Remote}, already {Max} connections")]
    private static partial void LogTooMany(ILogger logger, ApiTransport transport, EndPoint? remote, int max);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Transport}: line from {Remote} longer than {Max} bytes; connection closed")]
    private static partial void LogLineTooLong(ILogger logger, ApiTransport transport, EndPoint? remote, int max);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Transport}: {Length}-byte line from {Remote} is not UTF-8")]
    private static partial void LogBinary(ILogger logger, ApiTransport transport, EndPoint? remote, int length);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Transport}: {Remote} disconnected in the middle of a line ({Length} bytes dropped)")]
    private static partial void LogPartialLine(ILogger logger, ApiTransport transport, EndPoint? remote, long length);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Transport}: connection {Remote} ended: {Reason}")]
    private static partial void LogConnectionError(ILogger logger, ApiTransport transport, EndPoint? remote, string reason);
}
