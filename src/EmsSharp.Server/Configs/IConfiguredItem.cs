using System.Text.Json.Nodes;

namespace EmsSharp.Server.Configs;

/// <summary>One running item of a configuration (a push, an HLS output): what <see cref="ConfiguredItemManager{T}"/> needs of it.</summary>
internal interface IConfiguredItem
{
    long ConfigId { get; }

    bool KeepAlive { get; }

    /// <summary>Completes when the item has ended for good (removed, or ended without keepAlive).</summary>
    Task Completion { get; }

    /// <summary>The persisted form, listConfig's entry.</summary>
    JsonObject ConfigurationJson();

    void Start();

    Task StopAsync();
}
