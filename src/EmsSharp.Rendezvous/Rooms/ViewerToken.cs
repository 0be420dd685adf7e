namespace EmsSharp.Rendezvous.Rooms;

/// <summary>A viewer token's state: who used it first and when.</summary>
internal sealed class ViewerToken(string value)
{
    public string Value { get; } = value;

    public string? UsedBy { get; set; }

    public DateTimeOffset? FirstUse { get; set; }
}
