using System.Globalization;
using System.Net;

namespace EmsSharp.Server.Ingest;

/// <summary>
/// Asks an HTTP endpoint whether a publish may go ahead, as nginx-rtmp's <c>on_publish</c> does: a form POST of
/// <c>call=publish</c>, <c>protocol</c>, <c>addr</c>, <c>app</c>, <c>name</c>, <c>type=live</c> and the publisher's own
/// query parameters (<c>key=...</c>); any 2xx admits, any other status refuses (redirects are not followed). No answer
/// within <see cref="PublishCallbackOptions.Timeout"/>, or no connection, refuses. Answers are reused for
/// <see cref="PublishCallbackOptions.CacheTime"/> per address, protocol, name and query, so a reconnecting encoder or a
/// flood of publishes does not hammer the endpoint; failures are not cached.
/// </summary>
internal sealed class PublishCallback : IDisposable
{
    private const int MaxCachedAnswers = 4096;

    private readonly PublishCallbackOptions _options;
    private readonly Uri _url;
    private readonly TimeProvider _time;
    private readonly HttpClient _http = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false })
    {
        Timeout = System.Threading.Timeout.InfiniteTimeSpan, // the callback's own timeout, on the server's clock
    };

    private readonly Dictionary<string, (bool Allowed, string Reason, long Expires)> _answers = new(StringComparer.Ordinal);

    public PublishCallback(PublishCallbackOptions options, TimeProvider time)
    {
        _options = options;
        _url = new Uri(options.Url!, UriKind.Absolute);
        _time = time;
    }

    /// <summary>Asks (or reuses a recent answer for) one publish; the reason says why when refused.</summary>
    public async Task<(bool Allowed, string Reason)> AskAsync(PublishRequest request, string name, string query, CancellationToken cancellationToken)
    {
        var address = (request.Remote as IPEndPoint)?.Address.ToString() ?? string.Empty;
        var cacheKey = string.Join('\n', address, request.Protocol, name, query);
        lock (_answers)
        {
            if (_answers.TryGetValue(cacheKey, out var cached) && _time.GetTimestamp() < cached.Expires)
            {
                return (cached.Allowed, cached.Reason);
            }
        }

        List<KeyValuePair<string, string>> form =
        [
            new("call", "publish"), new("protocol", request.Protocol.ToLowerInvariant()), new("addr", address),
            new("app", request.App ?? string.Empty), new("name", name), new("type", "live"),
        ];
        foreach (var part in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            form.Add(equals < 0
                ? new(Uri.UnescapeDataString(part), string.Empty)
                : new(Uri.UnescapeDataString(part[..equals]), Uri.UnescapeDataString(part[(equals + 1)..])));
        }

        using var timeout = new CancellationTokenSource(_options.Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        bool allowed;
        string reason;
        try
        {
            // Headers only: the body is never read, so an endpoint cannot make the server buffer one.
            using var post = new HttpRequestMessage(HttpMethod.Post, _url) { Content = new FormUrlEncodedContent(form) };
            using var response = await _http.SendAsync(post, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            allowed = response.IsSuccessStatusCode;
            reason = allowed ? string.Empty : $"the publish callback answered {(int)response.StatusCode}";
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return (false, $"the publish callback did not answer within {_options.Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s");
        }
        catch (HttpRequestException e)
        {
            return (false, "the publish callback failed: " + e.Message);
        }

        if (_options.CacheTime > TimeSpan.Zero)
        {
            Remember(cacheKey, allowed, reason);
        }

        return (allowed, reason);
    }

    public void Dispose() => _http.Dispose();

    private void Remember(string cacheKey, bool allowed, string reason)
    {
        var now = _time.GetTimestamp();
        lock (_answers)
        {
            if (_answers.Count >= MaxCachedAnswers)
            {
                foreach (var (key, answer) in _answers)
                {
                    if (answer.Expires <= now)
                    {
                        _answers.Remove(key);
                    }
                }
            }

            if (_answers.Count < MaxCachedAnswers)
            {
                _answers[cacheKey] = (allowed, reason, now + (long)(_options.CacheTime.TotalSeconds * _time.TimestampFrequency));
            }
        }
    }
}
