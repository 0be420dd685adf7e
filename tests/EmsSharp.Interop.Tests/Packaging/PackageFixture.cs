using System.Diagnostics;
using EmsSharp.Interop.Tests.Nat;
using EmsSharp.Interop.Tests.Playback;

namespace EmsSharp.Interop.Tests.Packaging;

/// <summary>
/// Runs scripts/package once into a temporary folder, and starts its executables as a machine without .NET would:
/// an environment with nothing but an empty HOME and a PATH without dotnet, in a working directory of their own.
/// </summary>
public sealed class PackageFixture : IDisposable
{
    // Two self-contained publishes on a loaded 2-core machine; a cold NuGet cache adds the runtime packs' download.
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(10);

    private readonly string _scratch = Directory.CreateTempSubdirectory("emssharp-package-").FullName;

    public PackageFixture()
    {
        RepositoryRoot = PlaybackRig.FindRepositoryRoot();
        Folder = Path.Combine(_scratch, "linux-x64");
        var (exitCode, stdout, stderr) = HostCommand.TryRun("bash", [Path.Combine(RepositoryRoot, "scripts", "package"), Folder], PublishTimeout);
        if (exitCode != 0)
            throw new InvalidOperationException($"scripts/package exited with {exitCode}:\n{stdout}\n{stderr}");
    }

    public string RepositoryRoot { get; }

    /// <summary>The package: ems, ers, config/, web/, samples/.</summary>
    public string Folder { get; }

    /// <summary>
    /// <paramref name="program"/> of the package with <paramref name="arguments"/>, to run in a new empty working
    /// directory (<paramref name="workingDirectory"/>) with only <c>HOME</c> (another empty folder) and <c>PATH</c>
    /// (an empty folder: no dotnet, no DOTNET_ROOT) set.
    /// </summary>
    public ProcessStartInfo CleanStart(string program, IEnumerable<string> arguments, out string workingDirectory)
    {
        var run = Path.Combine(_scratch, "run-" + Guid.NewGuid().ToString("N"));
        workingDirectory = Directory.CreateDirectory(Path.Combine(run, "cwd")).FullName;
        var info = new ProcessStartInfo(Path.Combine(Folder, program)) { WorkingDirectory = workingDirectory };
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);
        info.Environment.Clear();
        info.Environment["HOME"] = Directory.CreateDirectory(Path.Combine(run, "home")).FullName;
        info.Environment["PATH"] = Directory.CreateDirectory(Path.Combine(run, "bin")).FullName;
        return info;
    }

    public void Dispose() => Directory.Delete(_scratch, recursive: true);
}
