namespace EmsSharp.Load.Viewers;

/// <summary>
/// Janus refused a request: a core <c>{"janus":"error","error":{"code","reason"}}</c> reply, or a plugin event
/// carrying <c>error_code</c>/<c>error</c> (e.g. 455 "No such mountpoint" from the streaming plugin).
/// </summary>
internal sealed class JanusApiException : Exception
{
    public JanusApiException()
    {
    }

    public JanusApiException(string message)
        : base(message)
    {
    }

    public JanusApiException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public JanusApiException(string request, long code, string reason)
        : base($"Janus refused '{request}': {code} {reason}")
    {
        Code = code;
    }

    /// <summary>Janus's error code (core codes 4xx from apierror.h, plugin codes from the plugin).</summary>
    public long Code { get; }
}
