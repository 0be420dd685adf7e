using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EmsSharp.Server.Identity;

/// <summary>
/// Loads the DTLS identity from the configured PEM files, or, when none are configured, from
/// <c>server.cert</c>/<c>server.key</c> in the data folder, generating an ECDSA P-256 self-signed
/// certificate there at first start (WebRTC peers check the fingerprint, not the chain: RFC 8827 §6.5).
/// </summary>
internal static partial class DtlsIdentityLoader
{
    public const string CertificateFileName = "server.cert";
    public const string KeyFileName = "server.key";

    public static DtlsIdentity LoadOrCreate(EmsOptions options, TimeProvider time, ILogger logger)
    {
        if (options.SslCert is not null && options.SslKey is not null)
        {
            var configured = Load(Path.GetFullPath(options.SslCert), Path.GetFullPath(options.SslKey));
            LogLoaded(logger, configured.CertificatePath, configured.Fingerprint);
            return configured;
        }

        var folder = options.DataFolderFullPath;
        var certPath = Path.Combine(folder, CertificateFileName);
        var keyPath = Path.Combine(folder, KeyFileName);
        if (File.Exists(certPath) && File.Exists(keyPath))
        {
            var existing = Load(certPath, keyPath);
            LogLoaded(logger, certPath, existing.Fingerprint);
            return existing;
        }

        Generate(certPath, keyPath, options.ServerName, time.GetUtcNow());
        var created = Load(certPath, keyPath);
        LogGenerated(logger, certPath, created.Fingerprint);
        return created;
    }

    private static DtlsIdentity Load(string certPath, string keyPath) =>
        new(X509Certificate2.CreateFromPemFile(certPath, keyPath), certPath, keyPath);

    private static void Generate(string certPath, string keyPath, string serverName, DateTimeOffset now)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(certPath)!);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName("CN=" + serverName), key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(10));
        WriteAtomically(keyPath, key.ExportPkcs8PrivateKeyPem(), secret: true);
        WriteAtomically(certPath, certificate.ExportCertificatePem(), secret: false);
    }

    private static void WriteAtomically(string path, string content, bool secret)
    {
        var temp = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (secret && !OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(temp, options))
        {
            stream.Write(System.Text.Encoding.ASCII.GetBytes(content));
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "DTLS identity {Path} loaded, fingerprint sha-256 {Fingerprint}")]
    private static partial void LogLoaded(ILogger logger, string path, string fingerprint);

    [LoggerMessage(Level = LogLevel.Information, Message = "DTLS identity generated at {Path}, fingerprint sha-256 {Fingerprint}")]
    private static partial void LogGenerated(ILogger logger, string path, string fingerprint);
}
