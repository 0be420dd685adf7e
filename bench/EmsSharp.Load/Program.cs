using System.Text.Json;
using EmsSharp.Load.Signalling;
using EmsSharp.Load.Viewers;

// ems-load <subcommand> [options]: bounded load tools for loopback runs (docs/BENCHMARKS.md).
if (args.Length == 0 || args[0] is not ("signalling" or "viewers"))
{
    await Console.Error.WriteLineAsync("Usage: ems-load signalling (--ers 127.0.0.1:PORT | --spawn [--ers-dll PATH]"
        + " [--nodes K] [--redis | --redis-config 127.0.0.1:PORT])"
        + " [--clients N] [--rooms R] [--duration S] [--messages-per-client M] [--concurrency C] [--out result.json]");
    await Console.Error.WriteLineAsync("   or: " + ViewerOptions.Usage["Usage: ".Length..]);
    return 2;
}

using CancellationTokenSource stop = new();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

if (args[0] == "viewers")
{
    return await ViewersCommand.RunAsync(args[1..], stop.Token);
}

if (!SignallingOptions.TryParse(args.AsSpan(1), out SignallingOptions options, out string? error))
{
    await Console.Error.WriteLineAsync(error);
    return 2;
}

SignallingResult result;
if (options.Spawn)
{
    await using SpawnedErs ers = await SpawnedErs.StartAsync(options, Console.Error, stop.Token).ConfigureAwait(false);
    result = await new SignallingLoad(options, ers.BaseUris, ers, ers.Redis).RunAsync(Console.Error, stop.Token).ConfigureAwait(false);
}
else
{
    result = await new SignallingLoad(options, [options.Target!], null).RunAsync(Console.Error, stop.Token).ConfigureAwait(false);
}

string json = JsonSerializer.Serialize(result, SignallingResult.JsonOptions);
if (options.OutPath is { } path)
{
    await File.WriteAllTextAsync(path, json).ConfigureAwait(false);
}

Console.WriteLine(json);
return result.JoinsOk == result.Clients && result.MessagesLost == 0 ? 0 : 1;
