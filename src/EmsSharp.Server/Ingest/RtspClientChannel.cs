using System.Globalization;
using System.Net.Sockets;
using EmsSharp.Protocols.Rtsp;
using EmsSharp.Server.Connections;

namespace EmsSharp.Server.Ingest;

/// <summary>
/// The client side of one RTSP connection, for a pull (PLAY) and a push (RECORD) alike: requests numbered by CSeq (RFC
/// 2326 §12.17) with the Session (§12.37) once SETUP made one, Basic/Digest authorization answered once after a 401 (RFC
/// 2617 §3.2.1), every response awaited within <paramref name="responseTimeout"/>, and one send lock so requests and
/// interleaved data (§10.12) never mix on the socket. Failures are <see cref="IOException"/>s naming the
/// <paramref name="peer"/> ("source", "target").
/// </summary>
internal sealed class RtspClientChannel(
    Socket socket, Connection connection, RtspAuthenticator? authenticator, TimeSpan responseTimeout, string peer) : IDisposable
{
    private const int DefaultSessionTimeoutSeconds = 60;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private int _cseq;

    public RtspConnectionReader Reader { get; } = new(socket, RtspLimits.Default, connection);

    /// <summary>The session SETUP made (null before).</summary>
    public string? Session { get; private set; }

    /// <summary>The session's timeout in seconds (§12.37: 60 unless the server said otherwise).</summary>
    public int SessionTimeout { get; private set; } = DefaultSessionTimeoutSeconds;

    /// <summary>The authenticator of the credentials in <paramref name="uri"/> (user:password@), or null when it has none.</summary>
    public static RtspAuthenticator? AuthenticatorFor(Uri uri)
    {
        if (uri.UserInfo.Length == 0)
        {
            return null;
        }

        var (user, password) = EvoStreamUri.Credentials(uri);
        return new RtspAuthenticator(user, password, Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()));
    }

    /// <summary>Sends a request and reads until its response; one retry after a 401 with credentials; a non-2xx answer throws.</summary>
    public async Task<RtspMessage> RequestAsync(RtspMessage request, CancellationToken cancellationToken)
    {
        for (int attempt = 0; ; attempt++)
        {
            var sent = Prepare(Copy(request));
            await SendAsync(sent, cancellationToken).ConfigureAwait(false);
            var response = await ReadResponseAsync(sent.CSeq, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == 401 && attempt == 0 && authenticator is not null &&
                authenticator.TryAcceptChallenge(GetAll(response, "WWW-Authenticate")))
            {
                continue;
            }

            if (response.StatusCode is < 200 or >= 300)
            {
                throw new IOException($"{request.Method} answered {response.StatusCode} {response.Reason}");
            }

            TakeSession(response);
            return response;
        }
    }

    /// <summary>Numbers <paramref name="request"/> and adds the session and authorization, for a request sent without awaiting its answer.</summary>
    public RtspMessage Prepare(RtspMessage request)
    {
        request.AddHeader("CSeq", (++_cseq).ToString(CultureInfo.InvariantCulture)).AddHeader("User-Agent", "EmsSharp");
        if (Session is not null)
        {
            request.AddHeader("Session", Session);
        }

        if (authenticator?.GetAuthorization(request.Method!, request.Uri!) is { } authorization)
        {
            request.AddHeader("Authorization", authorization);
        }

        return request;
    }

    public Task SendAsync(RtspMessage message, CancellationToken cancellationToken) => SendAsync(message.ToArray(), cancellationToken);

    /// <summary>Sends <paramref name="bytes"/> whole (a message, or interleaved frames) under the send lock.</summary>
    public async Task SendAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (!bytes.IsEmpty)
            {
                var sent = await socket.SendAsync(bytes, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                connection.AddSent(sent);
                bytes = bytes[sent..];
            }
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>The failure a read status other than a message or a frame means.</summary>
    public IOException Failure(RtspReadStatus status) => new(status == RtspReadStatus.Invalid
        ? $"malformed RTSP input from the {peer}"
        : $"the {peer} closed the connection");

    public void Dispose() => _sendLock.Dispose();

    private async Task<RtspMessage> ReadResponseAsync(int cseq, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(responseTimeout);
        while (true)
        {
            var (status, message, _, _) = await Reader.ReadAsync(timeout.Token).ConfigureAwait(false);
            switch (status)
            {
                case RtspReadStatus.Message when !message!.IsRequest && message.CSeq == cseq:
                    return message;
                case RtspReadStatus.Message or RtspReadStatus.InterleavedFrame:
                    continue; // early media or an unrelated message
                default:
                    throw Failure(status);
            }
        }
    }

    // RFC 2326 §12.37: Session: id[;timeout=seconds].
    private void TakeSession(RtspMessage response)
    {
        if (response.GetHeader("Session") is not { } session)
        {
            return;
        }

        var parts = session.Split(';');
        Session = parts[0].Trim();
        foreach (var part in parts)
        {
            var p = part.Trim();
            if (p.StartsWith("timeout=", StringComparison.OrdinalIgnoreCase) &&
                int.TryParse(p.AsSpan(8), NumberStyles.None, CultureInfo.InvariantCulture, out var timeout) && timeout >= 2)
            {
                SessionTimeout = timeout;
            }
        }
    }

    private static RtspMessage Copy(RtspMessage request)
    {
        var copy = RtspMessage.CreateRequest(request.Method!, request.Uri!);
        foreach (var header in request.Headers)
        {
            copy.AddHeader(header.Key, header.Value);
        }

        copy.Body = request.Body;
        return copy;
    }

    private static List<string> GetAll(RtspMessage message, string name)
    {
        var values = new List<string>();
        foreach (var header in message.Headers)
        {
            if (string.Equals(header.Key, name, StringComparison.OrdinalIgnoreCase))
            {
                values.Add(header.Value);
            }
        }

        return values;
    }
}
