namespace EmsSharp.Server.Delivery;

/// <summary>The default <see cref="IErsConnector"/> until the ERS client is registered: only records the fact.</summary>
internal sealed class UnavailableErsConnector : IErsConnector
{
    public IAsyncDisposable Start(WebRtcService service)
    {
        service.SetStatus(WebRtcServiceStatusCode.ErsClientUnavailable, "ERS client not available yet");
        return NoOp.Instance;
    }

    private sealed class NoOp : IAsyncDisposable
    {
        public static readonly NoOp Instance = new();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
