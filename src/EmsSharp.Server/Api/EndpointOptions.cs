using System.Net;

namespace EmsSharp.Server.Api;

/// <summary>Where one API transport listens.</summary>
internal class EndpointOptions
{
    /// <summary>Whether the transport is started at all.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Local IP address to bind (loopback by default).</summary>
    public string BindAddress { get; set; } = "127.0.0.1";

    /// <summary>TCP port; 0 picks an ephemeral port (the bound one is logged and exposed by <see cref="EmsHost"/>).</summary>
    public int Port { get; set; }

    /// <summary>The endpoint to bind.</summary>
    public IPEndPoint ToEndPoint() => new(IPAddress.Parse(BindAddress), Port);
}
