using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using EmsSharp.Media.Hub;
using EmsSharp.Protocols.Rtmp;
using EmsSharp.Protocols.Rtmp.Amf0;
using EmsSharp.Server.Connections;

namespace EmsSharp.Server.Ingest;

/// <summary>
/// Pulls <c>rtmp://host[:port]/app/stream</c> into the hub: drives an <see cref="RtmpClientSession"/> over a
/// socket and hands the FLV tag bodies to an <see cref="RtmpPublication"/> (the same path as RTMP publishers).
/// <see cref="RunAsync"/> returns or throws <see cref="IOException"/> when the session ends.
/// </summary>
internal sealed class RtmpPullClient(
    Uri uri, string streamName, StreamHub hub, TimeProvider time, TimeSpan dataTimeout, Func<Socket, string, Connection> openConnection)
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        // rtmp://host/app/stream: the first path segment is the application, the rest the stream (RTMP 1.0 §7.2.1.1 tcUrl).
        var path = uri.AbsolutePath.Trim('/');
        int slash = path.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0)
        {
            throw new IOException("rtmp:// URI needs /app/stream");
        }

        var app = path[..slash];
        var session = new RtmpClientSession(app, $"{uri.Scheme}://{uri.Host}:{(uri.Port > 0 ? uri.Port : 1935)}/{app}", path[(slash + 1)..]);
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var idle = new CancellationTokenSource(dataTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(idle.Token, cancellationToken);
        RtmpPublication? publication = null;
        Connection? connection = null;
        try
        {
            await socket.ConnectAsync(uri.Host, uri.Port > 0 ? uri.Port : 1935, linked.Token).ConfigureAwait(false);
            var from = new StreamOrigin(StreamOrigin.RtmpTag, socket.LocalEndPoint as IPEndPoint, socket.RemoteEndPoint as IPEndPoint, app);
            connection = openConnection(socket, "OR");
            var stream = new CountingStream(new NetworkStream(socket, ownsSocket: false), connection);
            await using (stream.ConfigureAwait(false))
            {
                var input = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, leaveOpen: true));
                var origin = time.GetTimestamp();
                session.Start(time.GetElapsedTime(origin));
                while (true)
                {
                    while (session.TryPollTransmit(out var data))
                    {
                        await stream.WriteAsync(data, linked.Token).ConfigureAwait(false);
                    }

                    var result = await input.ReadAsync(linked.Token).ConfigureAwait(false);
                    var ok = session.HandleInput(result.Buffer, out var consumed);
                    input.AdvanceTo(consumed, result.Buffer.End);
                    publication = HandleEvents(session, publication, idle, from, connection);
                    if (!ok)
                    {
                        throw new IOException(session.Error);
                    }

                    if (result.IsCompleted)
                    {
                        throw new IOException("the source closed the connection");
                    }
                }
            }
        }
        catch (OperationCanceledException) when (idle.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new IOException("no media from the source");
        }
        catch (SocketException e)
        {
            throw new IOException(e.Message, e);
        }
        finally
        {
            publication?.Stream.Dispose();
            connection?.Dispose();
        }
    }

    private RtmpPublication? HandleEvents(
        RtmpClientSession session, RtmpPublication? publication, CancellationTokenSource idle, StreamOrigin origin, Connection connection)
    {
        while (session.TryPollEvent(out var e))
        {
            switch (e.Kind)
            {
                case RtmpClientEventKind.Playing when publication is null:
                    if (!hub.TryPublish(streamName, out var live, origin))
                    {
                        throw new IOException($"stream {streamName} is already live");
                    }

                    publication = new RtmpPublication(live);
                    connection.AttachStream(live.Id);
                    break;
                case RtmpClientEventKind.Metadata when publication is not null:
                    publication.Publisher.SetDimensions(ReadInt(e.Metadata, "width"), ReadInt(e.Metadata, "height"));
                    break;
                case RtmpClientEventKind.Video when publication is not null:
                    idle.CancelAfter(dataTimeout);
                    publication.Publisher.PublishVideo(publication.Unwrap(e.Timestamp), e.Payload);
                    break;
                case RtmpClientEventKind.Audio when publication is not null:
                    idle.CancelAfter(dataTimeout);
                    publication.Publisher.PublishAudio(publication.Unwrap(e.Timestamp), e.Payload);
                    break;
            }
        }

        return publication;
    }

    private static int ReadInt(Amf0Value metadata, string name) =>
        metadata.TryGetProperty(name, out var value) && value.Type == Amf0Type.Number && value.Number is > 0 and < 100_000
            ? (int)value.Number
            : 0;
}
