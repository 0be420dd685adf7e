using System.Text.Json;

namespace EmsSharp.Server.Delivery.Ers;

/// <summary>A relayed <c>message</c> arrived (PROTOCOL.md §3.2).</summary>
/// <param name="from">The sender's peer id (added by the ERS).</param>
/// <param name="message">The whole message object: <c>to, from, sid, roomType, type, payload, prefix</c>.</param>
public sealed class ErsMessageEventArgs(string from, JsonElement message) : EventArgs
{
    /// <summary>The sender's peer id.</summary>
    public string From { get; } = from;

    /// <summary>The whole message object (detached from any document, safe to keep).</summary>
    public JsonElement Message { get; } = message;

    /// <summary>The message's <c>type</c> (<c>offer</c>, <c>answer</c>, <c>candidate</c>, ...), or empty.</summary>
    public string Type => Message.TryGetProperty("type", out JsonElement t) && t.ValueKind == JsonValueKind.String ? t.GetString() ?? string.Empty : string.Empty;

    /// <summary>The message's <c>payload</c>, or <c>default</c> when absent.</summary>
    public JsonElement Payload => Message.TryGetProperty("payload", out JsonElement p) ? p : default;
}
