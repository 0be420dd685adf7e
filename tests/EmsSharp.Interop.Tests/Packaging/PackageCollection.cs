namespace EmsSharp.Interop.Tests.Packaging;

/// <summary>
/// The package tests share one <see cref="PackageFixture"/>: publishing both servers is the costly part. They run
/// alone, since that publish takes both cores for a minute or two and would distort the timings of other tests.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PackageCollection : ICollectionFixture<PackageFixture>
{
    public const string Name = "Package";
}
