namespace EmsSharp.Rendezvous.Tests;

/// <summary>A fresh folder under the temp folder, deleted with everything in it at dispose.</summary>
internal sealed class TempFolder(string prefix) : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory(prefix).FullName;

    public void Dispose() => Directory.Delete(Path, true);
}
