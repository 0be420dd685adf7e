using System.Net;
using System.Security.Cryptography.X509Certificates;
using EmsSharp.Protocols.Net;
using EmsSharp.Rendezvous.Admin;
using EmsSharp.Rendezvous.Cluster;
using EmsSharp.Rendezvous.Configuration;
using EmsSharp.Rendezvous.SocketIo;
using EmsSharp.Rendezvous.Turn;
using EmsSharp.Rendezvous.Whep;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.FileProviders;

namespace EmsSharp.Rendezvous;

/// <summary>
/// A running ERS: the signalling listener (socket.io rev 1, WHEP relayed to the rooms' EMSs, static web), the admin listener and the
/// bundled STUN/TURN server. Start one in-process with <see cref="StartAsync"/>; ports 0 bind free ports,
/// read back from <see cref="Port"/>, <see cref="AdminPort"/>, <see cref="TurnPort"/> and <see cref="TurnTlsPort"/>.
/// </summary>
public sealed class ErsHost : IAsyncDisposable
{
    private readonly ErsState _state;
    private readonly WebApplication _signalling;
    private readonly WebApplication? _admin;
    private readonly WebApplication? _metricsApp;
    private readonly ErsMetrics? _metrics;
    private int _stopped;

    private ErsHost(ErsState state, WebApplication signalling, WebApplication? admin, ErsMetrics? metrics, WebApplication? metricsApp)
    {
        _state = state;
        _signalling = signalling;
        _admin = admin;
        _metrics = metrics;
        _metricsApp = metricsApp;
    }

    /// <summary>The options the host runs with.</summary>
    public ErsOptions Options => _state.Options;

    /// <summary>The bound signalling port.</summary>
    public int Port { get; private set; }

    /// <summary>The bound admin port, or null when the admin API is disabled.</summary>
    public int? AdminPort { get; private set; }

    /// <summary>The bound metrics port (<c>GET /metrics</c>), or null when <c>metrics.enabled</c> is false.</summary>
    public int? MetricsPort { get; private set; }

    /// <summary>The bound STUN/TURN port (UDP and TCP), or null when <c>turn.enabled</c> is false.</summary>
    public int? TurnPort => _state.Turn?.Port;

    /// <summary>The bound TURN-over-TLS port, or null without <c>server.secure</c> or TURN.</summary>
    public int? TurnTlsPort => _state.Turn?.TlsPort;

    /// <summary>Base address of the signalling listener on loopback, e.g. <c>http://127.0.0.1:4545/</c>.</summary>
    public Uri LoopbackUri => new($"{(Options.Server.Secure ? "https" : "http")}://127.0.0.1:{Port}/");

    /// <summary>Completes when the host has stopped (<see cref="StopAsync"/> or a console signal).</summary>
    public Task Completion { get; private set; } = Task.CompletedTask;

    /// <summary>Starts an ERS.</summary>
    /// <param name="options">Configuration (validated here).</param>
    /// <param name="timeProvider">Clock for heartbeats, token expiry and rate limits; <see cref="TimeProvider.System"/> by default.</param>
    /// <param name="loggerFactory">Logging; null uses the console.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <exception cref="InvalidDataException">An option is out of range, or the admin state file is unreadable.</exception>
    public static async Task<ErsHost> StartAsync(
        ErsOptions options, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        ErsState state = new(options, timeProvider ?? TimeProvider.System);
        WebApplication signalling = BuildSignalling(state, loggerFactory);
        state.Logger = signalling.Services.GetRequiredService<ILoggerFactory>().CreateLogger("EmsSharp.Rendezvous");
        if (options.Server.Redis is { } redis)
        {
            // Before the listeners: the first join already runs in the cluster (or alone, logged, if Redis is down).
            ILogger clusterLogger = signalling.Services.GetRequiredService<ILoggerFactory>().CreateLogger("EmsSharp.Rendezvous.Cluster");
            state.Rooms.Cluster = await ErsCluster.StartAsync(redis, state.Rooms,
                TimeSpan.FromSeconds(options.Limits.PendingHandshakeSeconds), options.Server.MultiEmsRooms, state.Time, clusterLogger).ConfigureAwait(false);
            // The tokens and allowed rooms too: the first node fills Redis in with its own, the others take Redis's.
            await ClusterTokenStore.StartAsync(state.Rooms.Cluster, state.Tokens, options,
                state.LoadedFromStateFile ? $"the state file {state.StateFile!.Path}" : "its configuration", clusterLogger).ConfigureAwait(false);
        }

        WebApplication? admin = options.Server.AdminAccessEnabled ? BuildAdmin(state, loggerFactory) : null;
        ErsMetrics? metrics = options.Metrics.Enabled ? new ErsMetrics(state) : null;
        WebApplication? metricsApp = metrics is null ? null : BuildMetrics(state, metrics, loggerFactory);
        ErsHost host = new(state, signalling, admin, metrics, metricsApp);
        try
        {
            if (options.Turn.Enabled)
            {
                // Started first, so the first socket.io client is already handed a running server.
                ILoggerFactory factory = signalling.Services.GetRequiredService<ILoggerFactory>();
                state.Turn = new TurnHost(options.Turn, options.Server.BindIP, state.TurnCredentials, state.Time,
                    factory.CreateLogger("EmsSharp.Rendezvous.Turn"));
                state.Turn.Start(options.Server.Secure ? LoadCertificate(options) : null);
            }

            await signalling.StartAsync(cancellationToken).ConfigureAwait(false);
            host.Port = BoundPort(signalling);
            if (admin is not null)
            {
                await admin.StartAsync(cancellationToken).ConfigureAwait(false);
                host.AdminPort = BoundPort(admin);
            }

            if (metricsApp is not null)
            {
                await metricsApp.StartAsync(cancellationToken).ConfigureAwait(false);
                host.MetricsPort = BoundPort(metricsApp);
            }
        }
        catch
        {
            await host.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        host.Completion = host.WaitAsync();
        ILogger logger = state.Logger;
        ErsLog.Started(logger, $"{options.Server.BindIP}:{host.Port}", admin is null ? "disabled" : $"{options.Server.EffectiveAdminBindIP}:{host.AdminPort}, callers allowed from {options.Server.AdminIP}");
        if (state.LoadedFromStateFile)
        {
            ErsLog.StateLoaded(logger, state.StateFile!.Path);
        }

        if (!state.Tokens.EmsTokenRequired)
        {
            ErsLog.RoomsOpenToAnyEms(logger);
        }
        else if (state.Tokens.ListEmsTokens().Count == 0)
        {
            ErsLog.NoEmsToken(logger);
        }

        return host;
    }

    /// <summary>Stops both listeners and closes every socket at once.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        _state.Stop();
        if (_state.Turn is not null)
        {
            await _state.Turn.DisposeAsync().ConfigureAwait(false);
        }

        await _signalling.StopAsync(cancellationToken).ConfigureAwait(false);
        if (_state.Rooms.Cluster is { } cluster)
        {
            await cluster.DisposeAsync().ConfigureAwait(false); // after the sockets: their leaves went to Redis first
        }

        if (_admin is not null)
        {
            await _admin.StopAsync(cancellationToken).ConfigureAwait(false);
        }

        if (_metricsApp is not null)
        {
            await _metricsApp.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await _signalling.DisposeAsync().ConfigureAwait(false);
        if (_admin is not null)
        {
            await _admin.DisposeAsync().ConfigureAwait(false);
        }

        if (_metricsApp is not null)
        {
            await _metricsApp.DisposeAsync().ConfigureAwait(false);
        }

        _metrics?.Dispose();
        await _state.BackgroundSaves.ConfigureAwait(false);
        _state.Dispose();
    }

    internal ErsState State => _state;

    private async Task WaitAsync()
    {
        await _signalling.WaitForShutdownAsync().ConfigureAwait(false);
        await StopAsync().ConfigureAwait(false);
    }

    private static WebApplicationBuilder CreateBuilder(ILoggerFactory? loggerFactory)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = [],
            ContentRootPath = AppContext.BaseDirectory,
        });
        if (loggerFactory is not null)
        {
            builder.Logging.ClearProviders();
            builder.Services.AddSingleton(loggerFactory);
        }
        else
        {
            builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning); // no per-request lines by default, as ems
        }

        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        return builder;
    }

    private static WebApplication BuildSignalling(ErsState state, ILoggerFactory? loggerFactory)
    {
        ErsOptions options = state.Options;
        WebApplicationBuilder builder = CreateBuilder(loggerFactory);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.Limits.MaxFrameLength;
            kestrel.Listen(IPAddress.Parse(options.Server.BindIP), options.Server.Port, listen =>
            {
                // First, before TLS: a connection over a cap costs no handshake.
                CapConnections(
                    listen, kestrel, "signalling", options.Limits.SignallingConnectionsPerIp, options.Limits.MaxConnections ?? int.MaxValue, state);
                if (options.Server.Secure)
                {
                    // Explicit rather than Kestrel's default, so the deadline is ours to document and configure.
                    listen.UseHttps(new HttpsConnectionAdapterOptions
                    {
                        ServerCertificate = LoadCertificate(options),
                        HandshakeTimeout = TimeSpan.FromSeconds(options.Limits.TlsHandshakeSeconds),
                    });
                }
            });
        });
        WebApplication app = builder.Build();
        ILogger logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("EmsSharp.Rendezvous.SocketIo");
        SocketIoServer socketIo = new(state, logger);
        WhepEndpoint whep = new(state, app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("EmsSharp.Rendezvous.Whep"));
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.Zero });
        app.Use(async (context, next) =>
        {
            if (!await socketIo.TryHandleAsync(context).ConfigureAwait(false)
                && !await whep.TryHandleAsync(context).ConfigureAwait(false))
            {
                await next(context).ConfigureAwait(false);
            }
        });
        if (options.Server.WebServerEnabled && FindWebRoot(options) is { } root)
        {
            PhysicalFileProvider files = new(root);
            app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
            app.UseStaticFiles(new StaticFileOptions { FileProvider = files });
        }

        return app;
    }

    private static WebApplication BuildAdmin(ErsState state, ILoggerFactory? loggerFactory)
    {
        ErsOptions options = state.Options;
        WebApplicationBuilder builder = CreateBuilder(loggerFactory);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Parse(options.Server.EffectiveAdminBindIP), options.Server.AdminPort, listen => CapConnections(
                listen, kestrel, "admin", options.Limits.MaxAdminConnectionsPerIp, options.Limits.MaxAdminConnections, state));
        });
        WebApplication app = builder.Build();
        AdminApi api = new(state, app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("EmsSharp.Rendezvous.Admin"));
        app.Run(api.HandleAsync);
        return app;
    }

    // GET /metrics in Prometheus text, and 404 for anything else, on a listener of its own.
    private static WebApplication BuildMetrics(ErsState state, ErsMetrics metrics, ILoggerFactory? loggerFactory)
    {
        ErsMetricsOptions options = state.Options.Metrics;
        WebApplicationBuilder builder = CreateBuilder(loggerFactory);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Parse(options.BindIP), options.Port, listen => CapConnections(
                listen, kestrel, "metrics", options.MaxConnections, options.MaxConnections, state));
        });
        WebApplication app = builder.Build();
        app.UseOpenTelemetryPrometheusScrapingEndpoint(metrics.Provider, context => context.Request.Path == "/metrics",
            path: null, configureBranchedPipeline: null, optionsName: null);
        app.Run(context =>
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });
        return app;
    }

    /// <summary>
    /// Caps the connections of one listener per remote IP and in all (<see cref="ConnectionCap"/>): a connection over a
    /// cap is aborted before a byte of it is read, with a log line at most every 10 s.
    /// </summary>
    private static void CapConnections(ListenOptions listen, KestrelServerOptions kestrel, string listener, int maxPerIp, int maxConnections, ErsState state)
    {
        ILogger logger = kestrel.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("EmsSharp.Rendezvous");
        ConnectionCap cap = new(maxPerIp, maxConnections, state.Time,
            (ip, reached, refused) => ErsLog.ConnectionsRefused(logger, listener, ip.ToString(), reached, refused));
        listen.Use(next => connection => cap.RunAsync(connection.RemoteEndPoint, () => next(connection), connection.Abort));
    }

    private static X509Certificate2 LoadCertificate(ErsOptions options)
    {
        string cert = options.Resolve(options.Server.Cert);
        string key = options.Resolve(options.Server.Key);
        return string.IsNullOrEmpty(options.Server.Password)
            ? X509Certificate2.CreateFromPemFile(cert, key)
            : X509Certificate2.CreateFromEncryptedPemFile(cert, options.Server.Password, key);
    }

    /// <summary>The configured web root, else a <c>web</c> folder next to the exe or in a parent folder.</summary>
    internal static string? FindWebRoot(ErsOptions options)
    {
        if (options.Server.WebRoot is { Length: > 0 } configured)
        {
            string path = options.Resolve(configured);
            return Directory.Exists(path) ? path : null;
        }

        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "web");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static int BoundPort(WebApplication app)
    {
        ICollection<string> addresses = app.Services.GetRequiredService<IServer>().Features
            .Get<IServerAddressesFeature>()?.Addresses ?? [];
        foreach (string address in addresses)
        {
            return new Uri(address.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal)).Port;
        }

        throw new InvalidOperationException("The listener has no bound address");
    }
}
