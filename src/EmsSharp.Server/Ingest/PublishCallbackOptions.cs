namespace EmsSharp.Server.Ingest;

/// <summary>The <c>Ingest:PublishCallback</c> section: an HTTP endpoint that decides each publish.</summary>
internal sealed class PublishCallbackOptions
{
    /// <summary>The endpoint (http or https) that gets a form POST per publish; 2xx admits, anything else refuses.</summary>
    public string? Url { get; set; }

    /// <summary>How long the endpoint has to answer; no answer in time refuses the publish.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long an answer is reused for the same address, name and query (zero: ask every time).</summary>
    public TimeSpan CacheTime { get; set; } = TimeSpan.FromSeconds(30);
}
