namespace EmsSharp.Interop.Tests.Nat;

/// <summary>The NAT matrix runs alone: its ers, ems and Chromium per cell would distort other tests' timings and theirs.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NatMatrixCollection
{
    public const string Name = "NAT matrix";
}
