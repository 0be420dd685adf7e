using EmsSharp.Server.Api;
using EmsSharp.Server.Events;

namespace EmsSharp.Server;

/// <summary>
/// Root options of the <c>ems</c> executable, bound from the root of the configuration (the optional
/// <c>--config</c> JSON file, <c>EMS_</c> environment variables, command-line switches).
/// Every default works with no configuration file at all.
/// </summary>
internal sealed class EmsOptions
{
    /// <summary>The server's name, shown as <c>name</c> in WebRTC configurations.</summary>
    public string ServerName { get; set; } = "evostreamms";

    /// <summary>Folder for persisted configurations and the generated DTLS identity (relative to the working directory).</summary>
    public string DataFolder { get; set; } = "./data";

    /// <summary>PEM certificate for DTLS; when null (with <see cref="SslKey"/>) one is generated in the data folder.</summary>
    public string? SslCert { get; set; }

    /// <summary>PEM private key for DTLS, paired with <see cref="SslCert"/>.</summary>
    public string? SslKey { get; set; }

    /// <summary>Default of <c>startWebrtc ersOverSsl</c>.</summary>
    public bool ErsOverSsl { get; set; }

    /// <summary>The command API transports.</summary>
    public ApiOptions Api { get; set; } = new();

    /// <summary>HTTP event sinks.</summary>
    public EventOptions Events { get; set; } = new();

    /// <summary>The Prometheus metrics endpoint (off by default).</summary>
    public Metrics.MetricsOptions Metrics { get; set; } = new();

    /// <summary>The data folder as an absolute path.</summary>
    public string DataFolderFullPath => Path.GetFullPath(DataFolder);
}
