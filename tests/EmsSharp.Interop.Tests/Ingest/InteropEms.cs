using EmsSharp.Server;

namespace EmsSharp.Interop.Tests.Ingest;

/// <summary>A started in-process ems on ephemeral ports (RTSP on loopback) with a temporary data folder, for the ingest interop tests.</summary>
internal static class InteropEms
{
    /// <summary>Starts the ems (with <paramref name="extra"/> command-line settings); the caller disposes the host, then deletes the folder.</summary>
    public static async Task<(EmsHost Host, string Folder)> StartAsync(params string[] extra)
    {
        var folder = Path.Combine(Path.GetTempPath(), "ems-interop-" + Guid.NewGuid().ToString("N"));
        var host = EmsHost.Create(
            ["--Ingest:RtmpPort", "0", "--Ingest:RtspPort", "0", "--Ingest:RtspAddress", "127.0.0.1", "--WsFmp4:Port", "0", "--Whep:Port", "0", .. extra],
            o =>
            {
                o.DataFolder = folder;
                o.Api.AsciiCli.Port = 0;
                o.Api.JsonCli.Port = 0;
                o.Api.Http.Port = 0;
            });
        await host.StartAsync(CancellationToken.None);
        return (host, folder);
    }
}
