using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace EmsSharp.Rendezvous.Tests.Turn;

/// <summary>
/// The bundled TURN server against coturn's test client <c>turnutils_uclient</c> (Debian package coturn):
/// two relays that send to each other (<c>-y</c>), over UDP and over TCP, with credentials handed out to a
/// socket.io client. The test config allows loopback peers explicitly; the default forbids them.
/// </summary>
public sealed partial class TurnUclientInteropTests
{
    private const string Uclient = "/usr/bin/turnutils_uclient";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Uclient_relays_between_two_allocations_without_loss(bool tcp)
    {
        Assert.True(File.Exists(Uclient), "turnutils_uclient missing: apt-get install coturn");
        await using ErsHost ers = await ErsTestHost.StartAsync(o => o.Turn.AllowedPeerRanges.Add("127.0.0.0/8"));
        await using SocketIoTestClient client = await SocketIoTestClient.ConnectAsync(ers.Port);
        JsonElement turn = await client.NextEventAsync("turnservers");
        string username = turn[0].GetProperty("username").GetString()!;
        string credential = turn[0].GetProperty("credential").GetString()!;

        // -y: client-to-client through the two relays; -c: no RTCP pair; -n 20 messages of -l 120 bytes.
        List<string> args = ["-y", "-c", "-n", "20", "-l", "120", "-z", "5", "-p", ers.TurnPort!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-u", username, "-w", credential, "-e", "127.0.0.1"];
        if (tcp)
        {
            args.Add("-t");
        }

        args.Add("127.0.0.1");
        (int exit, string output) = await RunAsync(Uclient, args, TimeSpan.FromSeconds(60));
        Assert.True(exit == 0, $"exit {exit}:\n{output}");
        Match lost = LostPackets().Match(output);
        Assert.True(lost.Success, output);
        Assert.Equal("0", lost.Groups[1].Value);
        Match totals = Totals().Match(output);
        Assert.True(totals.Success, output);
        Assert.Equal("40", totals.Groups[1].Value); // 20 messages each way
        Assert.Equal(totals.Groups[1].Value, totals.Groups[2].Value);
    }

    private static async Task<(int Exit, string Output)> RunAsync(string file, List<string> args, TimeSpan timeout)
    {
        ProcessStartInfo start = new(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        args.ForEach(start.ArgumentList.Add);
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using CancellationTokenSource cts = new(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            return (-1, "timed out\n" + await stdout + await stderr);
        }

        return (process.ExitCode, await stdout + await stderr);
    }

    [GeneratedRegex(@"Total lost packets (\d+)")]
    private static partial Regex LostPackets();

    [GeneratedRegex(@"start_mclient: tot_send_msgs=(\d+), tot_recv_msgs=(\d+)")]
    private static partial Regex Totals();
}
