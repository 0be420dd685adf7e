namespace EmsSharp.Server.Api;

/// <summary>
/// Per-connection state a command may change; the transport acts on the flags after sending the reply
/// (so the reply of <c>quit</c> and <c>shutdownServer</c> still reaches the client).
/// </summary>
internal sealed class CommandSession(ApiTransport transport)
{
    public ApiTransport Transport { get; } = transport;

    /// <summary>Set by <c>quit</c>: close this CLI session after the reply.</summary>
    public bool QuitRequested { get; set; }

    /// <summary>Set by <c>shutdownServer</c>: stop the host after the reply.</summary>
    public bool ShutdownRequested { get; set; }
}
