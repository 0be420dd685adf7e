using EmsSharp.Interop.Tests.Nat;
using EmsSharp.Rendezvous.Configuration;

namespace EmsSharp.Interop.Tests.Packaging;

/// <summary>
/// packaging/systemd: systemd's own checks of the units, offline (no running systemd needed), with ExecStart pointed
/// at the package's executables, since they are not installed in /opt/emssharp here.
/// </summary>
[Collection(PackageCollection.Name)]
public sealed class SystemdUnitTests(PackageFixture package) : IDisposable
{
    private readonly string _units = Directory.CreateTempSubdirectory("emssharp-units-").FullName;

    [Theory]
    [InlineData("ems")]
    [InlineData("ers")]
    public void Unit_PassesSystemdAnalyzeVerify(string program)
    {
        var unit = CopyUnit(program);

        var (exitCode, stdout, stderr) = HostCommand.TryRun(HostCommand.Tool("systemd-analyze"), ["verify", unit]);

        // verify exits 0 on unknown keys and bad values too, but prints them: any output is a finding.
        Assert.True(exitCode == 0 && stdout.Length == 0 && stderr.Length == 0, $"exit {exitCode}: {stdout}{stderr}");
    }

    [Theory]
    [InlineData("ems")]
    [InlineData("ers")]
    public void Unit_IsSandboxed(string program)
    {
        var unit = CopyUnit(program);

        // systemd's exposure score, 0 (locked down) to 10 (none of its sandboxing; a unit without any scores 9.6), and
        // the threshold in tenths. The units score 1.5: they need the network, and the JIT writable executable memory.
        var (exitCode, stdout, stderr) = HostCommand.TryRun(
            HostCommand.Tool("systemd-analyze"), ["security", "--offline=yes", "--threshold=20", "--no-pager", unit]);

        Assert.True(exitCode == 0, $"exit {exitCode}: {stdout}{stderr}");
    }

    [Fact]
    public void ErsConfiguration_KeepsTheAdminStateInTheUnitsStateDirectory()
    {
        var options = ErsOptions.Load(Path.Combine(package.RepositoryRoot, "packaging", "systemd", "ers.json"));
        var unit = File.ReadAllLines(Path.Combine(package.RepositoryRoot, "packaging", "systemd", "ers.service"));

        Assert.Contains("StateDirectory=ers", unit);
        Assert.Equal("/var/lib/ers/ers-state.json", options.Resolve(options.StateFile!));
        Assert.Contains("ExecStart=/opt/emssharp/ers --config /etc/emssharp/ers.json", unit);
    }

    public void Dispose() => Directory.Delete(_units, recursive: true);

    private string CopyUnit(string program)
    {
        var text = File.ReadAllText(Path.Combine(package.RepositoryRoot, "packaging", "systemd", program + ".service"));
        Assert.Contains($"ExecStart=/opt/emssharp/{program} ", text, StringComparison.Ordinal);
        var unit = Path.Combine(_units, program + ".service");
        File.WriteAllText(unit, text.Replace("/opt/emssharp/", package.Folder + "/", StringComparison.Ordinal));
        return unit;
    }
}
