using System.Text;

namespace EmsSharp.Protocols.DataChannels;

/// <summary>An event from <see cref="DataChannelManager.TryPollEvent"/>.</summary>
public readonly struct DataChannelEvent
{
    internal DataChannelEvent(DataChannelEventKind kind, DataChannel? channel, byte[]? data = null, bool isText = false, string? reason = null)
    {
        Kind = kind;
        Channel = channel;
        Data = data;
        IsText = isText;
        Reason = reason;
    }

    /// <summary>The kind of event.</summary>
    public DataChannelEventKind Kind { get; }

    /// <summary>The channel concerned (null for association events).</summary>
    public DataChannel? Channel { get; }

    /// <summary>Message payload (UTF-8 for text); empty for an empty message.</summary>
    public byte[]? Data { get; }

    /// <summary>Whether the message is text (PPID 51/56) rather than binary (53/57).</summary>
    public bool IsText { get; }

    /// <summary>Why the association ended, or why a channel was refused.</summary>
    public string? Reason { get; }

    /// <summary>The message as a string (decodes <see cref="Data"/> as UTF-8).</summary>
    public string Text => Data is null ? "" : Encoding.UTF8.GetString(Data);
}
