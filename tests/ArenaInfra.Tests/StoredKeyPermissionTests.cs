using System.Diagnostics;
using System.Management.Automation;
using System.Text.Json;
using ArenaInfra.Access;
using ArenaInfra.Backup;
using ArenaInfra.Common;
using ArenaInfra.Config;
using ArenaInfra.Operations;
using ArenaInfra.Proxy;
using ArenaInfra.RunPod;
using ArenaInfra.Ssh;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>The stored API key (not on Windows, where DPAPI guards it): a file others can read is not used.</summary>
[Collection(DataFolderCollection.Name)]
public sealed class StoredKeyPermissionTests
{
    [Fact]
    public void A_stored_key_other_users_can_read_is_refused_with_what_to_do()
    {
        if (OperatingSystem.IsWindows()) return;
        var path = StoredApiKey.Path;
        var existed = File.Exists(path) ? File.ReadAllBytes(path) : null;
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, "rpa_readable_by_all");
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

            var error = Assert.Throws<ArenaException>(() => StoredApiKey.Load());

            Assert.Equal("StoredApiKeyUnreadable", error.ErrorId);
            Assert.Contains("other users can read it (mode 644)", error.Message);
            Assert.DoesNotContain("rpa_readable_by_all", error.Message);
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            Assert.Equal("rpa_readable_by_all", StoredApiKey.Load());
        }
        finally
        {
            if (existed == null) File.Delete(path);
            else File.WriteAllBytes(path, existed);
        }
    }
}
