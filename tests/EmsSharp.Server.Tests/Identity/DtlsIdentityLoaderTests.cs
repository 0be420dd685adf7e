using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EmsSharp.Server.Identity;
using Microsoft.Extensions.Logging.Abstractions;

namespace EmsSharp.Server.Tests.Identity;

public sealed class DtlsIdentityLoaderTests : IDisposable
{
    private readonly string _folder = TestEms.NewDataFolder();

    public void Dispose() => TestEms.DeleteFolder(_folder);

    [Fact]
    public void Generates_an_ecdsa_p256_identity_once_then_reloads_it()
    {
        var options = new EmsOptions { DataFolder = _folder };
        using var first = DtlsIdentityLoader.LoadOrCreate(options, TimeProvider.System, NullLogger.Instance);
        Assert.True(first.Certificate.HasPrivateKey);
        using (var key = first.Certificate.GetECDsaPublicKey())
            Assert.Equal(256, key!.KeySize);
        Assert.Matches("^([0-9A-F]{2}:){31}[0-9A-F]{2}$", first.Fingerprint);
        Assert.Equal(Path.Combine(_folder, "server.cert"), first.CertificatePath);
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", File.ReadAllText(first.CertificatePath), StringComparison.Ordinal);
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", File.ReadAllText(first.KeyPath), StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(first.KeyPath));

        using var second = DtlsIdentityLoader.LoadOrCreate(options, TimeProvider.System, NullLogger.Instance);
        Assert.Equal(first.Fingerprint, second.Fingerprint);
        Assert.Equal(
            DtlsIdentity.FormatFingerprint(SHA256.HashData(second.Certificate.RawData)),
            second.Fingerprint);
    }

    [Fact]
    public void Uses_configured_pem_files()
    {
        var generated = new EmsOptions { DataFolder = _folder };
        using var made = DtlsIdentityLoader.LoadOrCreate(generated, TimeProvider.System, NullLogger.Instance);
        var other = Path.Combine(_folder, "elsewhere");
        var options = new EmsOptions { DataFolder = other, SslCert = made.CertificatePath, SslKey = made.KeyPath };
        using var loaded = DtlsIdentityLoader.LoadOrCreate(options, TimeProvider.System, NullLogger.Instance);
        Assert.Equal(made.Fingerprint, loaded.Fingerprint);
        Assert.False(Directory.Exists(other));
    }

    [Fact]
    public void Fingerprint_format_follows_rfc8122()
    {
        Assert.Equal("00:AB:FF", DtlsIdentity.FormatFingerprint([0x00, 0xAB, 0xFF]));
    }
}
