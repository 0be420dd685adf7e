using System.Net.Http.Headers;
using System.Threading.Channels;

namespace EmsSharp.Server.Events;

/// <summary>
/// One RPC (HTTP) sink: a bounded queue drained by one loop that POSTs each event with a time limit, in the sink's
/// serializer (JSON as <c>application/json</c>; XML and XMLRPC as <c>application/xml</c>, shared/EVOSTREAM-API.md §5.1).
/// A full queue drops the new event and counts it, so a dead or slow sink never blocks a publisher.
/// </summary>
internal sealed partial class EventSink : IEventSink
{
    private static readonly MediaTypeHeaderValue JsonType = new("application/json");
    private static readonly MediaTypeHeaderValue XmlType = new("application/xml");

    private readonly Channel<byte[]> _queue;
    private readonly HttpClient _client;
    private readonly TimeSpan _timeout;
    private readonly ILogger _logger;
    private long _dropped;
    private long _delivered;
    private long _failed;

    public EventSink(Uri url, int capacity, TimeSpan timeout, HttpClient client, ILogger logger)
    {
        Url = url;
        _client = client;
        _timeout = timeout;
        _logger = logger;
        _queue = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait, // with TryWrite: refuse when full, so we can count the drop
            SingleReader = true,
        });
    }

    public Uri Url { get; }

    /// <summary>What the configuration says of this sink (its events and customData).</summary>
    public EventSinkOptions Options { get; init; } = new();

    public long Dropped => Interlocked.Read(ref _dropped);

    public long Delivered => Interlocked.Read(ref _delivered);

    public long Failed => Interlocked.Read(ref _failed);

    public void Enqueue(EventEnvelope envelope)
    {
        if (_queue.Writer.TryWrite(envelope.Body(Options.Serializer)))
            return;
        EmsMetrics.EventsDropped.Add(1);
        if (Interlocked.Increment(ref _dropped) == 1)
            LogFirstDrop(_logger, Url);
    }

    public void Complete() => _queue.Writer.TryComplete();

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var body in _queue.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                await PostAsync(body, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // shutdown: queued events are abandoned
        }
    }

    private async Task PostAsync(byte[] body, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        try
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = Options.Serializer == EventSerializerType.Json ? JsonType : XmlType;
            using var response = await _client.PostAsync(Url, content, timeout.Token).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                Interlocked.Increment(ref _delivered);
                return;
            }

            Interlocked.Increment(ref _failed);
            LogRejected(_logger, Url, (int)response.StatusCode);
        }
        catch (Exception ex) when (ex is HttpRequestException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            Interlocked.Increment(ref _failed);
            LogFailed(_logger, Url, ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event sink {Url} is not keeping up: events are being dropped")]
    private static partial void LogFirstDrop(ILogger logger, Uri url);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event sink {Url} answered HTTP {Status}")]
    private static partial void LogRejected(ILogger logger, Uri url, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event sink {Url} failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, Uri url, string reason);
}
