using System.Text.Json.Nodes;

namespace EmsSharp.Server.Delivery;

/// <summary>
/// One WebRTC negotiation service (one <c>startWebrtc</c> configuration): holds its configuration and its
/// status and owns the ERS connection handle given by <see cref="IErsConnector"/>.
/// Thread-safe: the ERS client reports status from its own loop while the API reads it.
/// </summary>
public sealed class WebRtcService
{
    private readonly Lock _gate = new();
    private readonly IErsConnector _connector;
    private readonly TimeProvider _time;
    private WebRtcStatusEntry _current;
    private WebRtcStatusEntry? _previous;
    private IAsyncDisposable? _connection;

    internal WebRtcService(WebRtcServiceConfiguration configuration, IErsConnector connector, TimeProvider time)
    {
        Configuration = configuration;
        _connector = connector;
        _time = time;
        _current = new WebRtcStatusEntry(WebRtcServiceStatusCode.NotConnected, "not connected to ERS", time.GetUtcNow());
    }

    /// <summary>The configuration this service runs.</summary>
    public WebRtcServiceConfiguration Configuration { get; }

    /// <summary>The latest status.</summary>
    public WebRtcStatusEntry CurrentStatus
    {
        get
        {
            lock (_gate)
                return _current;
        }
    }

    /// <summary>Records a new status (the current one becomes the previous one).</summary>
    public void SetStatus(WebRtcServiceStatusCode code, string description)
    {
        lock (_gate)
        {
            _previous = _current;
            _current = new WebRtcStatusEntry(code, description, _time.GetUtcNow());
        }
    }

    internal void Start()
    {
        var connection = _connector.Start(this);
        lock (_gate)
            _connection = connection;
    }

    internal async ValueTask StopAsync()
    {
        IAsyncDisposable? connection;
        lock (_gate)
        {
            connection = _connection;
            _connection = null;
        }

        try
        {
            if (connection is not null)
                await connection.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            SetStatus(WebRtcServiceStatusCode.Stopped, "stopped");
        }
    }

    /// <summary>The <c>status</c> member of <c>getConfigInfo</c>: <c>{current, previous}</c>.</summary>
    internal JsonObject StatusToJson()
    {
        lock (_gate)
        {
            return new JsonObject
            {
                ["current"] = _current.ToJson(),
                ["previous"] = _previous?.ToJson(),
            };
        }
    }
}
