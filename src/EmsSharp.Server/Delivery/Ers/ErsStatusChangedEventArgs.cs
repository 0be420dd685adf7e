namespace EmsSharp.Server.Delivery.Ers;

/// <summary>The client's status changed.</summary>
/// <param name="status">The new status.</param>
/// <param name="description">Why, in plain words (a refusal carries the ERS's reason).</param>
public sealed class ErsStatusChangedEventArgs(ErsClientStatus status, string description) : EventArgs
{
    /// <summary>The new status.</summary>
    public ErsClientStatus Status { get; } = status;

    /// <summary>Why, in plain words; for <see cref="ErsClientStatus.Refused"/> the ERS's reason.</summary>
    public string Description { get; } = description;
}
