using System.Diagnostics;
using System.Globalization;
using System.Reflection;

namespace EmsSharp.Interop.Tests.Ingest;

/// <summary>
/// The built ems as its own process (a second server the tests kill, restart or stop): RTMP and RTSP on loopback on the
/// given ports, the HTTP API on <c>httpPort</c> (0: picked by the system), every other port picked by the system.
/// </summary>
internal static class EmsProcess
{
    public static LoggedProcess Start(string name, string folder, int rtmpPort, int rtspPort, int httpPort = 0)
    {
        var root = Playback.PlaybackRig.FindRepositoryRoot();
        var configuration = typeof(EmsProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        var emsDll = Path.Combine(root, "src", "EmsSharp.Server", "bin", configuration, "net10.0", "ems.dll");
        Assert.True(File.Exists(emsDll), $"build the solution with -c {configuration} first: {emsDll}");
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet");
        foreach (var argument in (string[])
                 [
                     emsDll, "--DataFolder", folder, "--Ingest:RtmpAddress", "127.0.0.1",
                     "--Ingest:RtmpPort", rtmpPort.ToString(CultureInfo.InvariantCulture), "--Ingest:RtspPort", rtspPort.ToString(CultureInfo.InvariantCulture),
                     "--Ingest:RtspAddress", "127.0.0.1", "--Api:AsciiCli:Port", "0", "--Api:JsonCli:Port", "0",
                     "--Api:Http:Port", httpPort.ToString(CultureInfo.InvariantCulture),
                     "--WsFmp4:Port", "0", "--Whep:Port", "0", "--WebRtc:UdpPort", "0", "--WebRtc:TcpPort", "0",
                 ])
        {
            info.ArgumentList.Add(argument);
        }

        return LoggedProcess.Start(name, info);
    }
}
