namespace EmsSharp.Interop.Tests.Packaging;

/// <summary>The package tests share one <see cref="PackageFixture"/>: publishing both servers is the costly part.</summary>
[CollectionDefinition(Name)]
public sealed class PackageCollection : ICollectionFixture<PackageFixture>
{
    public const string Name = "Package";
}
