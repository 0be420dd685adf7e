using System.Diagnostics;

namespace EmsSharp.Interop.Tests.Nat;

/// <summary>Runs a short command (ip, iptables, sysctl, curl, mount, fsfreeze, kill) to completion with a deadline.</summary>
internal static class HostCommand
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);

    /// <summary>The absolute path of a system tool, failing with what installs it when it is missing.</summary>
    public static string Tool(string name)
    {
        foreach (var folder in new[] { "/usr/sbin", "/sbin", "/usr/bin", "/bin" })
        {
            var path = Path.Combine(folder, name);
            if (File.Exists(path))
                return path;
        }

        throw new FileNotFoundException($"{name} is required (scripts/setup installs it)", name);
    }

    /// <summary>Runs the command; a non-zero exit code or the deadline throws with its stderr.</summary>
    public static string Run(string fileName, IEnumerable<string> arguments, TimeSpan? timeout = null)
    {
        var (exitCode, stdout, stderr) = TryRun(fileName, arguments, timeout);
        if (exitCode != 0)
            throw new InvalidOperationException($"`{fileName} {string.Join(' ', arguments)}` exited with {exitCode}: {stderr.Trim()}");
        return stdout;
    }

    /// <summary>Runs the command and returns its exit code and output; the deadline throws.</summary>
    public static (int ExitCode, string Stdout, string Stderr) TryRun(string fileName, IEnumerable<string> arguments, TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo(fileName);
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);
        return TryRun(info, timeout);
    }

    /// <summary>Runs <paramref name="info"/> (its environment and working directory as given) as <see cref="TryRun(string, IEnumerable{string}, TimeSpan?)"/>.</summary>
    public static (int ExitCode, string Stdout, string Stderr) TryRun(ProcessStartInfo info, TimeSpan? timeout = null)
    {
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.RedirectStandardInput = true;
        info.UseShellExecute = false;
        using var process = Process.Start(info) ?? throw new InvalidOperationException("cannot start " + info.FileName);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? DefaultTimeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"`{info.FileName} {string.Join(' ', info.ArgumentList)}` did not finish in {timeout ?? DefaultTimeout}");
        }

        process.WaitForExit();
        return (process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }
}
