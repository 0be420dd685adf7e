using EmsSharp.Rendezvous.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace EmsSharp.Rendezvous.Tests;

/// <summary>Starts an in-process ERS on free loopback ports.</summary>
internal static class ErsTestHost
{
    public static ErsOptions Options(Action<ErsOptions>? configure = null)
    {
        ErsOptions options = new();
        options.Server.Port = 0;
        options.Server.AdminPort = 0;
        options.Server.BindIP = "127.0.0.1";
        options.Turn.Port = 0; // the bundled STUN/TURN server on a free port, as the other listeners
        options.Turn.TlsPort = 0;
        options.Server.WebServerEnabled = false;
        options.StateFile = null; // tests that keep admin changes name their own file
        configure?.Invoke(options);
        return options;
    }

    public static Task<ErsHost> StartAsync(Action<ErsOptions>? configure = null, TimeProvider? time = null) =>
        ErsHost.StartAsync(Options(configure), time, NullLoggerFactory.Instance);
}
