namespace EmsSharp.Rendezvous.Configuration;

/// <summary>The <c>server</c> section of <c>config/default.json</c> (PROTOCOL.md §2.1).</summary>
public sealed class ErsServerOptions
{
    /// <summary>Signalling and static web port; 0 picks a free one.</summary>
    public int Port { get; set; } = 4545;

    /// <summary>Address the signalling port binds (ours).</summary>
    public string BindIP { get; set; } = "0.0.0.0";

    /// <summary>TLS on the signalling port.</summary>
    public bool Secure { get; set; }

    /// <summary>PEM private key file for TLS.</summary>
    public string Key { get; set; } = "server.key";

    /// <summary>PEM certificate file for TLS.</summary>
    public string Cert { get; set; } = "server.cert";

    /// <summary>Password of the key, if encrypted.</summary>
    public string? Password { get; set; }

    /// <summary>Browsers must present a viewer token.</summary>
    public bool TokensEnabled { get; set; }

    /// <summary>Serve the static player pages on the signalling port.</summary>
    public bool WebServerEnabled { get; set; } = true;

    /// <summary>Folder of the static pages; null finds a <c>web</c> folder next to the exe or up the tree.</summary>
    public string? WebRoot { get; set; }

    /// <summary>Serve the admin API.</summary>
    public bool AdminAccessEnabled { get; set; } = true;

    /// <summary>
    /// The one remote address allowed to use the admin API, as EvoStream documents it (the machine that calls it);
    /// <c>0.0.0.0</c> allows any. A loopback address allows any loopback caller.
    /// </summary>
    public string AdminIP { get; set; } = "127.0.0.1";

    /// <summary>
    /// Address the admin API listens on (ours); null: loopback when <see cref="AdminIP"/> is a loopback address (only local
    /// callers are allowed anyway), otherwise <see cref="BindIP"/>.
    /// </summary>
    public string? AdminBindIP { get; set; }

    /// <summary>The address the admin API listens on: <see cref="AdminBindIP"/> or what it defaults to.</summary>
    public string EffectiveAdminBindIP => AdminBindIP
        ?? (System.Net.IPAddress.TryParse(AdminIP, out var admin) && System.Net.IPAddress.IsLoopback(admin) ? AdminIP : BindIP);

    /// <summary>
    /// Host names the admin API answers besides its address (ours): a request whose <c>Host</c> is neither is
    /// refused (DNS rebinding). <c>localhost</c> is implied for requests that arrive over loopback.
    /// </summary>
    public List<string> AdminHosts { get; set; } = [];

    /// <summary>Admin API port; 0 picks a free one.</summary>
    public int AdminPort { get; set; } = 3030;

    /// <summary>Seconds between the server's heartbeats (ours; socket.io 0.9 default 25).</summary>
    public int HeartbeatInterval { get; set; } = 25;

    /// <summary>Heartbeat timeout announced in the handshake, seconds (socket.io 0.9 default 60).</summary>
    public int HeartbeatTimeout { get; set; } = 60;

    /// <summary>Close timeout announced in the handshake and enforced on silent sockets, seconds.</summary>
    public int CloseTimeout { get; set; } = 60;

    /// <summary>
    /// Redis for an ERS cluster (ours; docs/OPERATIONS.md, "Scaling out"): a StackExchange.Redis configuration string
    /// such as <c>127.0.0.1:6379</c> or <c>redis1:6379,password=...</c>. Every <c>ers</c> given the same Redis shares its
    /// rooms with the others. Null: this ERS alone, everything in memory.
    /// </summary>
    public string? Redis { get; set; }

    /// <summary>
    /// Several EMS per room (ours; docs/OPERATIONS.md, "Several ems in one room"): a second ems joining a held room is
    /// admitted, and each browser's join is handed to one of them by their load (<c>emsLoad</c>). False: one EMS per
    /// room, the first keeps it (PROTOCOL.md §2.2), as EvoStream. Every node of a cluster must be given the same value.
    /// </summary>
    public bool MultiEmsRooms { get; set; }
}
