using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Unicode;
using EmsSharp.Protocols.Net;
using EmsSharp.Server.Connections;

namespace EmsSharp.Server.Api;

/// <summary>
/// One line-oriented TCP command transport (PROTOCOL.md §1.1): the ASCII CLI or the JSON CLI.
/// Each connection reads newline-framed UTF-8 lines through a <see cref="PipeReader"/>; a line longer than
/// <see cref="ApiOptions.MaxLineLength"/> gets a FAIL and the connection is closed before more is buffered.
/// Invalid UTF-8 lines get a FAIL; a peer that leaves mid-line is logged. No client can stop the others: connections
/// are capped per listener and per client address, idle ones and stalled lines time out, and a connection that sends
/// HTTP (a browser page posting to this port) is dropped before anything of it runs. A full listener makes room for a
/// new connection by closing the oldest one that has not sent a command yet (not authenticated, with a CLI password):
/// clients from many addresses cannot hold it with silent connections either (<see cref="ConnectionSlots"/>).
/// </summary>
internal sealed partial class CliListener(
    ApiTransport transport,
    EndpointOptions endpoint,
    ApiOptions api,
    CommandRegistry registry,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger logger,
    ConnectionRegistry? connections = null) : IAsyncDisposable
{
    private readonly ConnectionRegistry _registry = connections ?? new ConnectionRegistry(time);
    private static readonly TimeSpan WriteTimeout = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<int, Task> _connections = new();
    private readonly CancellationTokenSource _stopping = new();
    private TcpListener? _listener;
    private Task _acceptLoop = Task.CompletedTask;
    private readonly ConnectionSlots _slots = new(api.MaxCliConnections, api.MaxCliConnectionsPerIp, time, (address, evicted) =>
        LogEvicted(logger, transport, api.MaxCliConnections, address, evicted));
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
        var address = (remote as IPEndPoint)?.Address ?? IPAddress.None;
        // Listed from accept to close (a refused one too, for the moment it takes to tell it why).
        using var connection = _registry.Open(ConnectionSpec.ForSocket(ConnectionCarrier.Tcp, socket.LocalEndPoint as IPEndPoint, remote as IPEndPoint,
            false, "TCP", transport == ApiTransport.AsciiCli ? "IASCCLI" : "IJSONCLI"));
        var stream = new CountingStream(new NetworkStream(socket, ownsSocket: true), connection);
        ConnectionSlot? slot = null;
        try
        {
            if (!_slots.TryTake(address, out slot, out var cap))
            {
                var refusal = cap == AddressSlotRefusal.Address
                    ? $"Too many connections from {address} (max {api.MaxCliConnectionsPerIp}); try again later"
                    : $"Too many connections (max {api.MaxCliConnections}); try again later";
                LogTooMany(logger, transport, remote, refusal);
                await WriteReplyAsync(stream, transport, ApiReply.Fail(refusal), cancellationToken).ConfigureAwait(false);
                return;
            }

            await ServeAsync(stream, remote, slot, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            LogConnectionError(logger, transport, remote, ex.Message);
        }
#pragma warning disable CA1031 // A fault of ours ends this client's session, never silently and never the listener.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogConnectionFault(logger, transport, remote, ex);
        }
        finally
        {
            slot?.Dispose();
            await stream.DisposeAsync().ConfigureAwait(false);
            _connections.TryRemove(id, out _);
        }
    }

    /// <summary>
    /// Serves one connection line by line. One timer bounds every read: the idle timeout counts from the last complete
    /// line (bytes of an unfinished line do not restart it) and the line timeout from an unfinished line's first byte.
    /// The first command (or the authentication) proves the client: from then on its slot is never taken for another;
    /// until then an eviction ends the read at once.
    /// </summary>
    private async Task ServeAsync(Stream stream, EndPoint? remote, ConnectionSlot slot, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token, slot.Evicted);
        var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 4096, leaveOpen: true));
        var session = new CommandSession(transport);
        var authenticated = string.IsNullOrEmpty(api.CliPassword);
        var lastLineAt = time.GetTimestamp();
        long? lineStartedAt = null;
        try
        {
            while (true)
            {
                deadline.CancelAfter(TimeLeft(lastLineAt, lineStartedAt));
                ReadResult result;
                try
                {
                    result = await reader.ReadAsync(reading.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    var lineExpired = lineStartedAt is { } started && time.GetElapsedTime(started) >= api.CliLineTimeout;
                    await CloseTimedOutAsync(stream, remote, lineExpired, cancellationToken).ConfigureAwait(false);
                    return;
                }
                catch (OperationCanceledException) when (slot.Evicted.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    var reason = $"Too many connections (max {api.MaxCliConnections}): closed for a new one, as this one had not "
                        + (authenticated ? "sent a command" : "authenticated");
                    await WriteReplyAsync(stream, transport, ApiReply.Fail(reason), cancellationToken).ConfigureAwait(false);
                    return;
                }

                var buffer = result.Buffer;
                while (TryReadLine(ref buffer, out var line))
                {
                    lineStartedAt = null;
                    if (line.IsEmpty)
                    {
                        continue; // the LF of a CR LF, or a blank line: nothing to run, and no password attempt
                    }

                    if (line.Length > api.MaxLineLength)
                    {
                        await RejectLongLineAsync(stream, remote, cancellationToken).ConfigureAwait(false);
                        return;
                    }

                    if (HttpLookalike.IsHttpLine(line))
                    {
                        // A browser page POSTing to this port: its request line and headers must never run as commands.
                        LogHttpDropped(logger, transport, remote);
                        return;
                    }

                    if (!authenticated)
                    {
                        var outcome = await AuthenticateAsync(line, stream, remote, cancellationToken).ConfigureAwait(false);
                        if (outcome == false)
                            return;
                        authenticated = outcome == true;
                        if (authenticated)
                            slot.MarkProven();
                    }
                    else
                    {
                        slot.MarkProven();
                        var reply = await ExecuteAsync(line, session, remote, cancellationToken).ConfigureAwait(false);
                        if (reply is not null)
                        {
                            await WriteReplyAsync(stream, transport, reply, cancellationToken).ConfigureAwait(false);
                            if (session.ShutdownRequested)
                                lifetime.StopApplication();
                            if (session.QuitRequested || session.ShutdownRequested)
                                return;
                        }
                    }

                    lastLineAt = time.GetTimestamp();
                }

                // Checked before asking for more: an unterminated line never grows past the limit.
                if (buffer.Length > api.MaxLineLength)
                {
                    await RejectLongLineAsync(stream, remote, cancellationToken).ConfigureAwait(false);
                    return;
                }

                if (!buffer.IsEmpty)
                    lineStartedAt ??= time.GetTimestamp();
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

    private TimeSpan TimeLeft(long lastLineAt, long? lineStartedAt)
    {
        var left = api.CliIdleTimeout - time.GetElapsedTime(lastLineAt);
        if (lineStartedAt is { } started)
        {
            var lineLeft = api.CliLineTimeout - time.GetElapsedTime(started);
            if (lineLeft < left)
                left = lineLeft;
        }

        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }

    private async Task CloseTimedOutAsync(Stream stream, EndPoint? remote, bool lineExpired, CancellationToken cancellationToken)
    {
        var reason = lineExpired
            ? $"Line not completed within {api.CliLineTimeout.TotalSeconds:0.###} s; connection closed"
            : $"No command for {api.CliIdleTimeout.TotalSeconds:0.###} s; connection closed";
        LogTimedOut(logger, transport, remote, reason);
        await WriteReplyAsync(stream, transport, ApiReply.Fail(reason), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The first line when <see cref="ApiOptions.CliPassword"/> is set: <c>auth &lt;password&gt;</c>. True: accepted;
    /// null: an empty line, still waiting; false: refused (the reply says why and the connection is closed).
    /// </summary>
    private async Task<bool?> AuthenticateAsync(ReadOnlySequence<byte> line, Stream stream, EndPoint? remote, CancellationToken cancellationToken)
    {
        var text = Encoding.UTF8.GetString(line);
        if (string.IsNullOrWhiteSpace(text))
            return null;
        var isAuth = text.StartsWith("auth ", StringComparison.OrdinalIgnoreCase);
        if (isAuth && PasswordMatches(text[5..], api.CliPassword!))
        {
            await WriteReplyAsync(stream, transport, ApiReply.Ok("Authenticated"), cancellationToken).ConfigureAwait(false);
            return true;
        }

        LogAuthFailed(logger, transport, remote, isAuth ? "wrong password" : "no auth line");
        var reason = isAuth ? "Wrong password; connection closed" : "Authentication required: send auth <password> first; connection closed";
        await WriteReplyAsync(stream, transport, EmsMetrics.Count(ApiReply.Fail(reason)), cancellationToken).ConfigureAwait(false);
        return false;
    }

    private static bool PasswordMatches(string given, string expected) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));

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

    private async Task RejectLongLineAsync(Stream stream, EndPoint? remote, CancellationToken cancellationToken)
    {
        LogLineTooLong(logger, transport, remote, api.MaxLineLength);
        await WriteReplyAsync(stream, transport, ApiReply.Fail($"Line too long (max {api.MaxLineLength} bytes); connection closed"), cancellationToken).ConfigureAwait(false);
    }

    private async Task WriteReplyAsync(Stream stream, ApiTransport transport, ApiReply reply, CancellationToken cancellationToken)
    {
        byte[] bytes;
        if (transport == ApiTransport.JsonCli && endpoint is JsonCliOptions { LengthPadding: true })
        {
            // EvoStream's framing with useLengthPadding (shared/EVOSTREAM-API.md §6): a 4-byte big-endian length of
            // what follows, the JSON, then CR LF CR LF.
            var json = ReplyFormatter.ToJsonUtf8(reply);
            bytes = new byte[4 + json.Length + 4];
            BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)(json.Length + 4));
            json.CopyTo(bytes, 4);
            "\r\n\r\n"u8.CopyTo(bytes.AsSpan(4 + json.Length));
        }
        else if (transport == ApiTransport.JsonCli)
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

    // A line ends at CR or LF, as EvoStream's CLI reads it (shared/EVOSTREAM-API.md §6): clients send LF, CR LF, or CR
    // alone. The LF of a CR LF comes out as an empty line when it arrives apart.
    private static bool TryReadLine(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> line)
    {
        var reader = new SequenceReader<byte>(buffer);
        if (!reader.TryReadToAny(out line, "\r\n"u8, advancePastDelimiter: false))
            return false;
        reader.TryRead(out var end);
        if (end == (byte)'\r' && reader.TryPeek(out var next) && next == (byte)'\n')
            reader.Advance(1);
        buffer = buffer.Slice(reader.Position);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Transport}: the session of {Remote} ended on a fault of the server; its connection is closed")]
    private static partial void LogConnectionFault(ILogger logger, ApiTransport transport, EndPoint? remote, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Transport} listening on {EndPoint}")]
    private static partial void LogListening(ILogger logger, ApiTransport transport, IPEndPoint endPoint);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Transport}: accept failed ({Error})")]
    private static partial void LogAcceptFailed(ILogger logger, ApiTransport transport, SocketError error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Transport}: refused {Remote}: {Reason}")]
    private static partial void LogTooMany(ILogger logger, ApiTransport transport, EndPoint? remote, string reason);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "{Transport}: full ({Max} connections): closed the oldest that had not sent a command, from {Address}, to admit a new one ({Evicted} closed so since the last such line)")]
    private static partial void LogEvicted(ILogger logger, ApiTransport transport, int max, IPAddress address, long evicted);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Transport}: {Remote} sent an HTTP request (a web page?); connection dropped")]
    private static partial void LogHttpDropped(ILogger logger, ApiTransport transport, EndPoint? remote);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Transport}: {Remote}: {Reason}")]
    private static partial void LogTimedOut(ILogger logger, ApiTransport transport, EndPoint? remote, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Transport}: {Remote} failed authentication ({Reason}); connection closed")]
    private static partial void LogAuthFailed(ILogger logger, ApiTransport transport, EndPoint? remote, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Transport}: line from {Remote} longer than {Max} bytes; connection closed")]
    private static partial void LogLineTooLong(ILogger logger, ApiTransport transport, EndPoint? remote, int max);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Transport}: {Length}-byte line from {Remote} is not UTF-8")]
    private static partial void LogBinary(ILogger logger, ApiTransport transport, EndPoint? remote, int length);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Transport}: {Remote} disconnected in the middle of a line ({Length} bytes dropped)")]
    private static partial void LogPartialLine(ILogger logger, ApiTransport transport, EndPoint? remote, long length);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Transport}: connection {Remote} ended: {Reason}")]
    private static partial void LogConnectionError(ILogger logger, ApiTransport transport, EndPoint? remote, string reason);
}
