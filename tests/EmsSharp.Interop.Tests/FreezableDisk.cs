using EmsSharp.Interop.Tests.Nat;

namespace EmsSharp.Interop.Tests;

/// <summary>
/// A really blocked disk, no mock: an ext4 file system of its own (a sparse image file, mkfs.ext4, loop-mounted on a
/// temporary folder) that <see cref="Freeze"/> freezes with fsfreeze(8) (the FIFREEZE ioctl): every write to it then
/// blocks in the kernel until <see cref="Thaw"/>. Needs root, mkfs.ext4, mount with loop devices and fsfreeze; a missing
/// one fails the test. A frozen mount left behind would hang every later writer, so a test's cleanup thaws first, then
/// stops what writes there, then disposes this (which thaws again if need be, unmounts and deletes).
/// </summary>
internal sealed class FreezableDisk : IDisposable
{
    private readonly string _image;
    private bool _frozen;
    private bool _mounted;

    private FreezableDisk(string image, string mountPoint)
    {
        _image = image;
        MountPoint = mountPoint;
    }

    /// <summary>The folder the file system is mounted on.</summary>
    public string MountPoint { get; }

    /// <summary>Makes a file system of <paramref name="megabytes"/> MB and mounts it.</summary>
    public static FreezableDisk Create(int megabytes)
    {
        Assert.True(Environment.IsPrivilegedProcess, "the frozen-disk test mounts a loop device and freezes it: run it as root (CI does)");
        var root = Directory.CreateTempSubdirectory("ems-disk-").FullName;
        var disk = new FreezableDisk(Path.Combine(root, "disk.img"), Path.Combine(root, "mnt"));
        try
        {
            using (var image = File.Create(disk._image))
                image.SetLength(megabytes * 1024L * 1024);
            Directory.CreateDirectory(disk.MountPoint);
            HostCommand.Run(HostCommand.Tool("mkfs.ext4"), ["-q", "-F", disk._image]);
            HostCommand.Run(HostCommand.Tool("mount"), ["-o", "loop", disk._image, disk.MountPoint]);
            disk._mounted = true;
            HostCommand.Tool("fsfreeze"); // fail now, not half way through the test
            return disk;
        }
        catch
        {
            disk.Dispose();
            throw;
        }
    }

    /// <summary>From now on every write to <see cref="MountPoint"/> blocks until <see cref="Thaw"/>.</summary>
    public void Freeze()
    {
        HostCommand.Run(HostCommand.Tool("fsfreeze"), ["-f", MountPoint]);
        _frozen = true;
    }

    /// <summary>Lets the blocked writes go on; nothing when not frozen.</summary>
    public void Thaw()
    {
        if (!_frozen)
            return;
        HostCommand.Run(HostCommand.Tool("fsfreeze"), ["-u", MountPoint]);
        _frozen = false;
    }

    public void Dispose()
    {
        Thaw();
        if (_mounted)
        {
            // A writer still holding a file there keeps the mount busy: detach it lazily rather than leave it mounted.
            var umount = HostCommand.Tool("umount");
            if (HostCommand.TryRun(umount, [MountPoint]).ExitCode != 0)
                HostCommand.Run(umount, ["-l", MountPoint]);
            _mounted = false;
        }

        Directory.Delete(Path.GetDirectoryName(_image)!, recursive: true);
    }
}
