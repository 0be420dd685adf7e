using System.Net;
using EmsSharp.Server.Api;
using EmsSharp.Server.Api.Commands;
using EmsSharp.Server.Configs;
using EmsSharp.Server.Connections;
using EmsSharp.Server.Delivery;
using EmsSharp.Server.Delivery.Fmp4;
using EmsSharp.Server.Delivery.Rtp;
using EmsSharp.Server.Delivery.WebRtc;
using EmsSharp.Server.Delivery.Whep;
using EmsSharp.Server.Events;
using EmsSharp.Server.Identity;
using EmsSharp.Server.Ingest;
using EmsSharp.Server.Metrics;
using EmsSharp.Server.Recording;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace EmsSharp.Server;

/// <summary>
/// The <c>ems</c> server: builds the host (options, store, services, API transports) and runs it.
/// Program calls <see cref="RunAsync(string[])"/>; tests use <see cref="Create"/>, <see cref="StartAsync"/> and
/// <see cref="DisposeAsync"/> with ephemeral ports and a temporary data folder.
/// </summary>
internal sealed partial class EmsHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private EmsHost(WebApplication app) => _app = app;

    public IServiceProvider Services => _app.Services;

    public EmsOptions Options => _app.Services.GetRequiredService<IOptions<EmsOptions>>().Value;

    /// <summary>Bound ASCII CLI endpoint, once started (null when disabled).</summary>
    public IPEndPoint? AsciiCliEndPoint => _app.Services.GetRequiredService<CliListenerHost>().AsciiEndPoint;

    /// <summary>Bound JSON CLI endpoint, once started (null when disabled).</summary>
    public IPEndPoint? JsonCliEndPoint => _app.Services.GetRequiredService<CliListenerHost>().JsonEndPoint;

    /// <summary>Bound HTTP API endpoint, once started.</summary>
    public IPEndPoint? HttpEndPoint { get; private set; }

    /// <summary>The metrics listener's bound endpoint (<c>GET /metrics</c>), or null when it is off.</summary>
    public IPEndPoint? MetricsEndPoint => _app.Services.GetRequiredService<MetricsEndpoint>().BoundEndPoint;

    /// <summary>The bound WHEP listener, once started (null when <c>Whep:Enabled</c> is false).</summary>
    public IPEndPoint? WhepEndPoint => _app.Services.GetRequiredService<WhepEndpoint>().BoundEndPoint;

    /// <summary>Triggered when the host begins to stop (Ctrl-C, SIGTERM, <c>shutdownServer</c>).</summary>
    public CancellationToken ApplicationStopping => _app.Lifetime.ApplicationStopping;

    /// <summary>
    /// Builds the host; throws <see cref="OptionsValidationException"/> for invalid options.
    /// <paramref name="args"/>: <c>--config path</c> (optional JSON file) and any
    /// <c>--Key value</c> override. <paramref name="configureOptions"/> runs after binding, before validation;
    /// <paramref name="configureServices"/> may replace services (for example <see cref="IErsConnector"/>).
    /// </summary>
    public static EmsHost Create(
        string[] args, Action<EmsOptions>? configureOptions = null, Action<IServiceCollection>? configureServices = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.Sources.Clear();
        var configPath = FindConfigPath(args);
        if (configPath is not null)
            builder.Configuration.AddJsonFile(Path.GetFullPath(configPath), optional: false, reloadOnChange: false);
        builder.Configuration.AddEnvironmentVariables("EMS_");
        builder.Configuration.AddCommandLine(args);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning); // no per-request lines by default

        var services = builder.Services;
        services.AddOptions<EmsOptions>().Bind(builder.Configuration).ValidateOnStart();
        if (configureOptions is not null)
            services.PostConfigure(configureOptions);
        services.AddSingleton<IValidateOptions<EmsOptions>, EmsOptionsValidator>();
        services.AddSingleton<IConfigureOptions<KestrelServerOptions>, KestrelSetup>();
        services.AddSingleton<MetricsEndpoint>();
        services.AddSingleton<MetricsSetup>();
        services.AddSingleton<IConfigureOptions<KestrelServerOptions>>(sp => sp.GetRequiredService<MetricsSetup>());
        services.AddSingleton<IStartupFilter>(sp => sp.GetRequiredService<MetricsSetup>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ConnectionRegistry>();

        services.AddSingleton(sp => DtlsIdentityLoader.LoadOrCreate(
            sp.GetRequiredService<IOptions<EmsOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DtlsIdentityLoader).FullName!)));
        services.AddSingleton<ConfigurationStore>();
        services.AddSingleton<EventDispatcher>();
        services.AddSingleton<IEventPublisher>(sp => sp.GetRequiredService<EventDispatcher>());
        services.AddHostedService(sp => sp.GetRequiredService<EventDispatcher>());
        services.AddHostedService<ServerLifecycleEvents>();
        services.AddOptions<WebRtcOptions>().Bind(builder.Configuration.GetSection(WebRtcOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<WebRtcOptions>, WebRtcOptionsValidator>();
        services.AddSingleton<WebRtcPort>();
        services.AddSingleton<AudioTranscoders>();
        services.TryAddSingleton<DeliveryStats>();
        services.AddSingleton<RtpSourceManager>();
        services.AddSingleton<ViewerCap>();
        services.AddSingleton<ViewerResources>();
        services.AddSingleton<EmsLoadReporter>();
        services.AddSingleton<ErsConnector>();
        services.TryAddSingleton<IErsConnector>(sp => sp.GetRequiredService<ErsConnector>());
        services.AddSingleton<WebRtcServiceManager>();
        services.AddHostedService(sp => sp.GetRequiredService<WebRtcServiceManager>());

        services.AddSingleton<IApiCommand, HelpCommand>();
        services.AddSingleton<IApiCommand, VersionCommand>();
        services.AddSingleton<IApiCommand, GetLicenseIdCommand>();
        services.AddSingleton<LogLevelSwitch>();
        services.AddSingleton<IConfigureOptions<LoggerFilterOptions>>(sp => sp.GetRequiredService<LogLevelSwitch>());
        services.AddSingleton<IOptionsChangeTokenSource<LoggerFilterOptions>>(sp => sp.GetRequiredService<LogLevelSwitch>());
        services.AddSingleton<IApiCommand, SetLogLevelCommand>();
        services.AddSingleton<IApiCommand, SetAuthenticationCommand>();
        services.AddSingleton<IApiCommand, StartWebrtcCommand>();
        services.AddSingleton<IApiCommand, StopWebrtcCommand>();
        services.AddSingleton<IApiCommand, ListWebrtcPeersCommand>();
        services.AddSingleton<DeliveryMetrics>();
        services.AddSingleton<IApiCommand>(sp => new GetDeliveryStatsCommand(sp.GetRequiredService<DeliveryStats>(),
            sp.GetRequiredService<DeliveryMetrics>(), () => sp.GetRequiredService<WebRtcPort>().BoundDriver));
        services.AddSingleton<IApiCommand, ListConfigCommand>();
        services.AddSingleton<IApiCommand, GetConfigInfoCommand>();
        services.AddSingleton<IApiCommand, RemoveConfigCommand>();
        services.AddSingleton<IApiCommand, QuitCommand>();
        services.AddSingleton<IApiCommand, ShutdownServerCommand>();
        services.AddSingleton<CommandRegistry>();
        services.AddSingleton<HttpApiEndpoint>();
        services.AddSingleton<CliListenerHost>();
        services.AddHostedService(sp => sp.GetRequiredService<CliListenerHost>());
        services.AddEmsIngest(builder.Configuration);
        services.AddEmsWsFmp4(builder.Configuration);
        WhepSetup.AddTo(services, builder.Configuration);
        services.AddEmsStreamControl();
        services.AddEmsRecording(builder.Configuration);

        configureServices?.Invoke(services);

        var app = builder.Build();
        var endpoint = app.Services.GetRequiredService<HttpApiEndpoint>();
        app.MapMethods("/{command}", [HttpMethods.Get, HttpMethods.Post], endpoint.HandleAsync);
        app.MapFallback(HttpApiEndpoint.HandleFallbackAsync);
        return new EmsHost(app);
    }

    /// <summary>Runs the server until Ctrl-C, SIGTERM or <c>shutdownServer</c>; the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        if (args is ["--help" or "-h"])
        {
            await Console.Out.WriteAsync(OptionsHelp.Text()).ConfigureAwait(false);
            return 0;
        }

        EmsHost host;
        try
        {
            host = Create(args); // validates the options (Kestrel reads them while the host is built)
        }
        catch (Exception ex) when (ex is FileNotFoundException or InvalidDataException or FormatException)
        {
            await Console.Error.WriteLineAsync("ems: cannot read the configuration: " + ex.Message).ConfigureAwait(false);
            return 2;
        }
        catch (OptionsValidationException ex)
        {
            await Console.Error.WriteLineAsync("ems: invalid configuration: " + string.Join(" ", ex.Failures)).ConfigureAwait(false);
            return 2;
        }

        await using (host.ConfigureAwait(false))
        {
            await host.StartAsync(CancellationToken.None).ConfigureAwait(false);
            await host._app.WaitForShutdownAsync().ConfigureAwait(false);
            return 0;
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var options = Options; // validates
        Directory.CreateDirectory(options.DataFolderFullPath);
        _ = _app.Services.GetRequiredService<DtlsIdentity>(); // fail early on a bad certificate
        await _app.StartAsync(cancellationToken).ConfigureAwait(false);
        var wsFmp4 = _app.Services.GetRequiredService<WsFmp4Endpoint>();
        var metrics = _app.Services.GetRequiredService<MetricsEndpoint>();
        HttpEndPoint = ParseBound(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>(),
            port => wsFmp4.IsListenerPort(port) || metrics.IsListenerPort(port) || WhepEndPoint?.Port == port);
        var logger = _app.Services.GetRequiredService<ILogger<EmsHost>>();
        LogStarted(logger, options.ServerName, options.DataFolderFullPath, AsciiCliEndPoint, JsonCliEndPoint, HttpEndPoint);
    }

    public Task StopAsync(CancellationToken cancellationToken) => _app.StopAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _app.StopAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // already stopping
        }

        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private static string? FindConfigPath(string[] args)
    {
        for (var i = 0; i < args.Length - 1; i++)
        {
            if (args[i] is "--config" or "-c")
                return args[i + 1];
        }

        return null;
    }

    /// <summary>The HTTP API's bound endpoint: the Kestrel address that is not another listener (WS-FMP4, metrics).</summary>
    private static IPEndPoint? ParseBound(IServerAddressesFeature? addresses, Func<int, bool> isOtherListener)
    {
        if (addresses is null)
            return null;
        foreach (var address in addresses.Addresses)
        {
            if (Uri.TryCreate(address, UriKind.Absolute, out var uri) && !isOtherListener(uri.Port)
                && IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip))
                return new IPEndPoint(ip, uri.Port);
        }

        return null;
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "{ServerName} started; data folder {DataFolder}; ASCII CLI {Ascii}, JSON CLI {Json}, HTTP API {Http}")]
    private static partial void LogStarted(ILogger logger, string serverName, string dataFolder, IPEndPoint? ascii, IPEndPoint? json, IPEndPoint? http);
}
