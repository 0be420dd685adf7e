using System.Text;

namespace EmsSharp.WebRtc;

/// <summary>A message received on a <see cref="PeerDataChannel"/>; <see cref="Data"/> belongs to the receiver.</summary>
/// <param name="Data">The payload (UTF-8 for text); empty for an empty message.</param>
/// <param name="IsText">Text (PPID 51/56) rather than binary (53/57), RFC 8831 §8.</param>
public readonly record struct PeerDataChannelMessage(byte[] Data, bool IsText)
{
    /// <summary>The payload decoded as UTF-8.</summary>
    public string Text => Encoding.UTF8.GetString(Data);
}
