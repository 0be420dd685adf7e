using EmsSharp.Media.Hub;
using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Ingest;

/// <summary>Runs the configured FLV file sources (<see cref="IngestOptions.FileSources"/>).</summary>
internal sealed class FileSourceService(
    IOptions<IngestOptions> options, StreamHub hub, TimeProvider time, ILogger<FileSourceService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var runs = new List<Task>();
        foreach (var source in options.Value.FileSources)
        {
            runs.Add(RunAsync(source, stoppingToken));
        }

        await Task.WhenAll(runs).ConfigureAwait(false);
    }

    private async Task RunAsync(FileSourceOptions source, CancellationToken stoppingToken)
    {
        var name = source.EffectiveStreamName;
        byte[] file;
        try
        {
            var info = new FileInfo(source.Path);
            if (!info.Exists || info.Length > FlvFileSource.MaxFileBytes)
            {
                IngestLog.FileSourceFailed(logger, name, source.Path, "missing or larger than 512 MiB");
                return;
            }

            file = await File.ReadAllBytesAsync(source.Path, stoppingToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            IngestLog.FileSourceFailed(logger, name, source.Path, e.Message);
            return;
        }

        IngestLog.FileSourceStarted(logger, name, source.Path, source.Loop);
        var error = await new FlvFileSource(name, file, source.Loop, hub, time).RunAsync(stoppingToken).ConfigureAwait(false);
        if (error is not null)
        {
            IngestLog.FileSourceFailed(logger, name, source.Path, error);
        }
    }
}
