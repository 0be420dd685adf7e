using System.Diagnostics;
using System.Text;

namespace EmsSharp.Interop.Tests.Ingest;

/// <summary>Runs /usr/bin/ffmpeg with arguments, keeps its stderr, and kills it (and its children) on dispose.</summary>
internal sealed class FfmpegProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();

    private FfmpegProcess(Process process)
    {
        _process = process;
    }

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public static FfmpegProcess Start(params string[] arguments)
    {
        Assert.True(File.Exists("/usr/bin/ffmpeg"), "ffmpeg is required at /usr/bin/ffmpeg (scripts/setup installs it)");
        var info = new ProcessStartInfo("/usr/bin/ffmpeg")
        {
            RedirectStandardError = true,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info)!;
        var result = new FfmpegProcess(process);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (result._stderr)
                {
                    result._stderr.AppendLine(e.Data);
                }
            }
        };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        return result;
    }

    public static string[] TestSourceArguments(int seconds, string output, params string[] extra) =>
    [
        "-hide_banner", "-nostdin", "-loglevel", "error", "-re",
        "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30",
        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
        "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "30", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-b:a", "64k", .. extra, "-t", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "-f", "flv", output,
    ];

    /// <summary>
    /// Stops ffmpeg as Ctrl-C does (SIGINT): it finishes its output (over RTMP, FCUnpublish and deleteStream) and exits.
    /// </summary>
    public void Interrupt()
    {
        using var kill = Process.Start("kill", ["-INT", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public void Dispose() => _process.KillAndDispose();
}
