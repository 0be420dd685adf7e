using System.Diagnostics;

namespace EmsSharp.Interop.Tests.Nat;

/// <summary>
/// Starts a long-running program inside a network namespace (<c>ip netns exec</c>, which execs the program in place, so
/// the process is the program itself).
/// </summary>
internal static class NamespacedProcess
{
    public static LoggedProcess Start(NetNsTopology topology, string netns, string name, string fileName, IEnumerable<string> arguments)
    {
        var command = topology.Exec(netns).Append(fileName).Concat(arguments).ToList();
        var info = new ProcessStartInfo(command[0]);
        foreach (var argument in command.Skip(1))
            info.ArgumentList.Add(argument);
        return LoggedProcess.Start(name, info);
    }
}
