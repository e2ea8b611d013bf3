using System;
using System.IO;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ArenaInfra.Common;
using ArenaInfra.Common.IO;

namespace ArenaInfra.Pods.Create
{
    /// <summary>
    /// The one lock, across processes, for everything that creates or replaces pods: fleet.lock in the
    /// data folder, held open without sharing for as long as the work runs. Two runs that each read
    /// the pod list and then create would both see a name free and both buy it; with the lock, the
    /// second waits, then reads a fresh list and finds the first one's pods. The operating system
    /// releases the lock when its holder ends, however it ends, so no stale lock is ever left
    /// behind; the file itself stays (deleting it would let a third run lock a different file).
    /// </summary>
    internal sealed class FleetLock : IDisposable
    {
        public const string FileName = "fleet.lock";

        private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(200);

        private FileStream? _stream;

        private FleetLock(FileStream stream, string path)
        {
            _stream = stream;
            FilePath = path;
        }

        public string FilePath { get; }

        /// <summary>fleet.lock in the module's data folder.</summary>
        public static string DefaultPath => Path.Combine(DataFolder.Path, FileName);

        /// <summary>
        /// Takes the lock, waiting up to timeout for another holder to finish (a warning says so once);
        /// FleetBusy after that. A zero timeout tries once.
        /// </summary>
        public static async Task<FleetLock> AcquireAsync(string path, TimeSpan timeout, string what, IArenaLog log, CancellationToken cancellationToken)
        {
            var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
            SafeFile.CreatePrivateDirectory(folder);
            var deadline = DateTime.UtcNow + timeout;
            var waiting = false;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                // Never through a link: a link here could make the lock any file the user can open.
                if (IsLink(path))
                {
                    throw new ArenaException(ArenaErrorIds.FleetBusy, ErrorCategory.SecurityError,
                        $"The fleet lock '{path}' is a link, so it is not taken and nothing was {what}.",
                        "Remove the link (the module makes the file itself), then run the command again.", target: path);
                }
                string? held;
                try
                {
                    var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
                    try
                    {
                        SafeFile.OwnerOnly(path);
                        // Who holds it, for a person who looks at the file; nothing reads it back.
                        var note = System.Text.Encoding.UTF8.GetBytes($"{System.Diagnostics.Process.GetCurrentProcess().Id} {DateTimeOffset.UtcNow:O} {what}\n");
                        stream.SetLength(0);
                        stream.Write(note, 0, note.Length);
                        stream.Flush();
                    }
                    catch (IOException)
                    {
                        // The note is a courtesy: the lock is the open handle, not its content.
                    }
                    if (waiting) log.Verbose($"The fleet lock is free now; going on.");
                    return new FleetLock(stream, path);
                }
                catch (IOException e)
                {
                    held = e.Message;
                }
                if (DateTime.UtcNow >= deadline)
                {
                    throw new ArenaException(ArenaErrorIds.FleetBusy, ErrorCategory.ResourceBusy,
                        $"Another command on this machine is creating or replacing pods (it holds the fleet lock '{path}'), and it did not finish within {timeout.TotalSeconds:0} s; nothing was {what}.",
                        "Run the command again when the other one has finished (Get-ArenaPod shows what it made), or give it longer with FleetLockTimeoutSec in the config.",
                        target: path);
                }
                if (!waiting)
                {
                    log.Warning($"Another command on this machine is creating or replacing pods; waiting up to {timeout.TotalSeconds:0} s for it to finish, then the pod list is read afresh.");
                    log.Verbose($"The fleet lock '{path}' is held: {held}");
                    waiting = true;
                }
                var left = deadline - DateTime.UtcNow;
                await Task.Delay(left < Poll ? (left > TimeSpan.Zero ? left : TimeSpan.Zero) : Poll, cancellationToken).ConfigureAwait(false);
            }
        }

        private static bool IsLink(string path)
        {
            try
            {
                // The link itself, dangling or not: its attributes are -1 only when nothing is there.
                var attributes = new FileInfo(path).Attributes;
                return (int)attributes != -1 && (attributes & FileAttributes.ReparsePoint) != 0;
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                return false;
            }
        }

        public void Dispose()
        {
            Interlocked.Exchange(ref _stream, null)?.Dispose();
        }
    }
}
