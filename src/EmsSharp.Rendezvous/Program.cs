using EmsSharp.Rendezvous;
using EmsSharp.Rendezvous.Configuration;

// ers [--config path]: the rendezvous server. With no --config, config/default.json next to the exe
// is used when present, else built-in defaults (PROTOCOL.md §2.1).
string? configPath = null;
if (args is ["--help" or "-h"])
{
    await Console.Out.WriteAsync(ErsOptions.HelpText());
    return 0;
}

for (int i = 0; i < args.Length; i++)
{
    if (args[i] is "--config" or "-c" && i + 1 < args.Length)
    {
        configPath = args[++i];
    }
    else
    {
        await Console.Error.WriteLineAsync($"Unknown argument '{args[i]}'. Usage: ers [--config path/to/default.json] | --help");
        return 2;
    }
}

string fallback = Path.Combine(AppContext.BaseDirectory, "config", "default.json");
configPath ??= File.Exists(fallback) ? fallback : null;
ErsOptions options;
try
{
    options = configPath is null ? new ErsOptions() : ErsOptions.Load(configPath);
}
catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
{
    await Console.Error.WriteLineAsync($"Cannot load configuration: {e.Message}");
    return 1;
}

ErsHost host;
try
{
    host = await ErsHost.StartAsync(options);
}
catch (InvalidDataException e)
{
    await Console.Error.WriteLineAsync($"Cannot start: {e.Message}");
    return 1;
}

await using (host)
{
    await host.Completion;
}

return 0;
