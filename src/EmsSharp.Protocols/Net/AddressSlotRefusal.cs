namespace EmsSharp.Protocols.Net;

/// <summary>Why <see cref="AddressSlots.TryTake"/> gave no slot.</summary>
public enum AddressSlotRefusal
{
    /// <summary>A slot was taken.</summary>
    None,

    /// <summary>The remote address holds its share already.</summary>
    Address,

    /// <summary>Every slot of the listener is held.</summary>
    Total,
}
