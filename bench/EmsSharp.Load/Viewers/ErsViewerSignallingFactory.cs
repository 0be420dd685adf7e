namespace EmsSharp.Load.Viewers;

/// <summary>
/// Makes the <see cref="ErsViewerSignalling"/> of each viewer of a run, all over one connection pool (one
/// <see cref="SocketsHttpHandler"/>), so that a thousand viewers do not open a thousand pools.
/// </summary>
internal sealed class ErsViewerSignallingFactory : IDisposable
{
    private readonly SocketsHttpHandler _handler = new()
    {
        UseProxy = false,
        UseCookies = false,
        ConnectTimeout = TimeSpan.FromSeconds(30),
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(5),
    };

    private readonly HttpClient _http;
    private readonly HttpMessageInvoker _invoker;
    private readonly ViewerOptions _options;

    public ErsViewerSignallingFactory(ViewerOptions options)
    {
        _options = options;
        _http = new HttpClient(_handler, disposeHandler: false) { Timeout = TimeSpan.FromSeconds(30) };
        _invoker = new HttpMessageInvoker(_handler, disposeHandler: false);
    }

    /// <summary>A new viewer's signalling: the run's room, stream and transport.</summary>
    public IViewerSignalling Create() =>
        new ErsViewerSignalling(_options.Ers ?? throw new InvalidOperationException("Not an ers run."), _http, _invoker, _options.Room, _options.Stream, _options.TransportName);

    public void Dispose()
    {
        _invoker.Dispose();
        _http.Dispose();
        _handler.Dispose();
    }
}
