using System.Net;
using System.Reflection;
using System.Text.Json;
using EmsSharp.Interop.Tests.Playback;

namespace EmsSharp.Interop.Tests.Nat;

/// <summary>
/// Chromium through the ers's own TURN server over each transport a secure ers hands out (UDP, TCP, TLS): in the
/// viewer's namespace, a relay-only peer connection allocates on the ers (203.0.113.10) and carries a data channel to
/// a second peer connection of the page, every packet through the relay. Needs root.
/// </summary>
[Collection(NatMatrixCollection.Name)]
public sealed class ChromiumTurnTests
{
    private const string FetchServers = """
        async (ers) => {
          const s = new EmsSignalling(ers, { secure: true });
          const servers = new Promise(resolve => s.on('turnservers', resolve));
          await s.connect();
          return JSON.stringify(await servers);
        }
        """;

    private const string RelayEcho = """
        async (server) => {
          const relayed = new RTCPeerConnection({ iceServers: [server], iceTransportPolicy: 'relay' });
          const direct = new RTCPeerConnection();
          const errors = [];
          let relayProtocol = null;
          relayed.onicecandidateerror = e => errors.push(e.errorCode + ' ' + e.errorText + ' ' + e.url);
          relayed.onicecandidate = e => { if (e.candidate) direct.addIceCandidate(e.candidate); };
          direct.onicecandidate = e => { if (e.candidate) relayed.addIceCandidate(e.candidate); };
          const echoed = new Promise(resolve => {
            direct.ondatachannel = e => { e.channel.onmessage = m => e.channel.send('echo:' + m.data); };
            const channel = relayed.createDataChannel('relay-test');
            channel.onopen = () => channel.send('hello');
            channel.onmessage = m => resolve(m.data);
          });
          await relayed.setLocalDescription(await relayed.createOffer());
          await direct.setRemoteDescription(relayed.localDescription);
          await direct.setLocalDescription(await direct.createAnswer());
          await relayed.setRemoteDescription(direct.localDescription);
          const message = await Promise.race([echoed, new Promise(resolve => setTimeout(() => resolve('timeout'), 15000))]);
          const stats = await relayed.getStats();
          let local = '';
          stats.forEach(s => {
            if (s.type === 'transport' && s.selectedCandidatePairId) {
              const pair = stats.get(s.selectedCandidatePairId);
              const c = pair && stats.get(pair.localCandidateId);
              if (c) local = c.candidateType + '/' + c.relayProtocol;
            }
          });
          relayed.close();
          direct.close();
          stats.forEach(s => { if (s.type === 'local-candidate' && s.candidateType === 'relay' && !relayProtocol) relayProtocol = s.relayProtocol; });
          const candidates = [...stats.values()].filter(s => s.type.endsWith('candidate')).map(s => s.type + ' ' + s.candidateType + ' ' + s.address);
          return JSON.stringify({ relayProtocol, message, local, errors, candidates });
        }
        """;

    [Fact]
    public async Task Chromium_relays_through_the_ers_turn_server_over_udp_tcp_and_tls()
    {
        Assert.True(File.ReadAllLines("/proc/self/status").Any(l => l.StartsWith("Uid:\t0\t", StringComparison.Ordinal)),
            "network namespaces need root (CI runs as root)");
        var folder = Directory.CreateTempSubdirectory("ems-nat-turn-").FullName;
        try
        {
            using var topology = NetNsTopology.Create(NetworkKind.Public, NetworkKind.Public);
            var root = PlaybackRig.FindRepositoryRoot();
            var configuration = typeof(ChromiumTurnTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
            var ersDll = Path.Combine(root, "src", "EmsSharp.Rendezvous", "bin", configuration, "net10.0", "ers.dll");
            var (cert, key) = SelfSignedPem.Write(folder, IPAddress.Parse(NetNsTopology.ErsAddress));
            var config = Path.Combine(folder, "ers.json");
            // A secure ers as an operator runs one: TLS on signalling, so TURN over TLS is handed out too.
            await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new
            {
                server = new { port = 4545, secure = true, cert, key, webServerEnabled = true, webRoot = Path.Combine(root, "web") },
                stunservers = Array.Empty<object>(),
                turnservers = Array.Empty<object>(),
            }));
            var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
            using var ers = NamespacedProcess.Start(topology, topology.Ers, "ers", dotnet, [ersDll, "--config", config]);
            await ers.WaitForLineAsync("ERS signalling on", TimeSpan.FromSeconds(30));

            // The ers's certificate is self-signed; host addresses are not hidden behind mDNS names, which the relay could
            // not permit (a TURN permission is for an IP address, RFC 8656 §9).
            await using var chromium = await NamespacedChromium.LaunchAsync(topology, topology.Viewer, "--ignore-certificate-errors",
                "--disable-features=WebRtcHideLocalIpsWithMdns");
            var page = await chromium.NewPageAsync([]);
            await page.GotoAsync($"https://{NetNsTopology.ErsAddress}:4545/evoplayers.html", new() { Timeout = 15_000 });
            using var servers = JsonDocument.Parse(await page.EvaluateAsync<string>(FetchServers, $"{NetNsTopology.ErsAddress}:4545"));
            var list = servers.RootElement;
            Assert.Equal(3, list.GetArrayLength());
            string[] expected = ["udp", "tcp", "tls"];
            for (var i = 0; i < 3; i++)
            {
                var url = list[i].GetProperty("url").GetString()!;
                var server = new { urls = url, username = list[i].GetProperty("username").GetString(), credential = list[i].GetProperty("credential").GetString() };
                var json = await page.EvaluateAsync<string>(RelayEcho, server);
                using var result = JsonDocument.Parse(json);
                var r = result.RootElement;
                Assert.True(r.GetProperty("relayProtocol").GetString() == expected[i], $"{url}: {json}\n{ers.Tail(20)}");
                Assert.True(r.GetProperty("message").GetString() == "echo:hello", $"{url}: {json}\n{ers.Tail(20)}");
                Assert.True(r.GetProperty("local").GetString() == "relay/" + expected[i], $"{url}: {json}");
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
