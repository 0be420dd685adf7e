using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using EmsSharp.Protocols.Turn;
using EmsSharp.Rendezvous.Configuration;

namespace EmsSharp.Rendezvous.Turn;

/// <summary>
/// The <c>stunservers</c>/<c>turnservers</c> a client gets when the configuration names none: the bundled
/// server, with TURN REST credentials minted for the client's socket (tag = its session id).
/// </summary>
internal static class TurnHandout
{
    /// <summary>True when the configuration leaves both lists empty, so the bundled server is handed out.</summary>
    public static bool Applies(ErsOptions options) => options.StunServers.Count == 0 && options.TurnServers.Count == 0;

    public static (JsonElement Stun, JsonElement Turn) Build(TurnHost turn, TurnRestCredentials credentials, string sid,
        HttpContext context, ErsTurnOptions options)
    {
        string host = AdvertisedHost(context, turn.ExternalAddress);
        (string username, string password) = credentials.Mint(sid, TimeSpan.FromSeconds(options.CredentialLifetimeSeconds));
        string port = turn.Port.ToString(CultureInfo.InvariantCulture);
        List<string> urls = [$"turn:{host}:{port}?transport=udp", $"turn:{host}:{port}?transport=tcp"];
        if (turn.TlsPort is { } tls)
        {
            urls.Add(string.Create(CultureInfo.InvariantCulture, $"turns:{host}:{tls}?transport=tcp"));
        }

        JsonArray stun = [new JsonObject { ["url"] = $"stun:{host}:{port}" }];
        JsonArray turnServers = [];
        foreach (string url in urls)
        {
            turnServers.Add(new JsonObject { ["url"] = url, ["username"] = username, ["credential"] = password });
        }

        return (JsonSerializer.SerializeToElement(stun), JsonSerializer.SerializeToElement(turnServers));
    }

    /// <summary>
    /// The configured external address; else the Host header's host when it is an IP address or a name; else
    /// the local address the client's connection reached.
    /// </summary>
    internal static string AdvertisedHost(HttpContext context, IPAddress? external)
    {
        if (external is not null)
        {
            return Format(external);
        }

        string header = context.Request.Host.Host;
        string bare = header.Trim('[', ']');
        if (IPAddress.TryParse(bare, out IPAddress? literal))
        {
            return Format(literal);
        }

        if (Uri.CheckHostName(bare) == UriHostNameType.Dns)
        {
            return bare;
        }

        IPAddress local = context.Connection.LocalIpAddress ?? IPAddress.Loopback;
        return Format(local.IsIPv4MappedToIPv6 ? local.MapToIPv4() : local);
    }

    private static string Format(IPAddress address) =>
        address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
}
