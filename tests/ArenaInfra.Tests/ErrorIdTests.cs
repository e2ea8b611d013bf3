using System.Reflection;
using System.Text.RegularExpressions;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>Scripts match on error ids, so there is one list of them, and the README shows all of it.</summary>
public sealed class ErrorIdTests
{
    private static readonly string[] Declared = typeof(ArenaErrorIds)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToArray();

    /// <summary>Every place an error id is created: an ArenaException, a failure on an SSH stage, an ErrorRecord, a result's ErrorId or a failed step.</summary>
    private static readonly Regex[] IdSites =
    {
        new(@"new ArenaException\(\s*(?<id>[^,\s]+)\s*,"),
        new(@"new SshStageException\(\s*[^,]+,\s*(?<id>[^,\s]+)\s*,"),
        new(@"new ErrorRecord\(\s*[^,]+,\s*(?<id>[^,\s]+)\s*,"),
        new(@"\.ErrorId\s*=\s*(?<id>[^;\s]+)\s*;"),
        new(@"NotContacted\([^,]+,\s*[^,]+,\s*(?<id>[^,\s]+)\s*,"),
        new(@"\.Fail\([^;]*,\s*(?<id>ArenaErrorIds\.\w+|""\w+"")\s*\)"),
    };

    [Fact]
    public void Every_error_the_module_raises_takes_its_id_from_ArenaErrorIds()
    {
        var sources = ModuleSources.Files();
        var sites = sources.SelectMany(file => IdSites.SelectMany(site => site.Matches(File.ReadAllText(file)))
            .Select(m => (File: Path.GetFileName(file), Id: m.Groups["id"].Value))).ToList();
        // Where the id is passed along (error.ErrorId, e.ErrorId, errorId) it was checked where it was made.
        var passedOn = new Regex(@"^(\w+\.)?(ErrorId|errorId|id)$");
        var wrong = sites.Where(s => !passedOn.IsMatch(s.Id) && !(s.Id.StartsWith("ArenaErrorIds.") && Declared.Contains(s.Id.Substring("ArenaErrorIds.".Length))))
            .Select(s => $"{s.File}: {s.Id}").ToList();
        Assert.Empty(wrong);
        Assert.True(sites.Count > 50, $"only {sites.Count} places found: the patterns no longer match the code");
    }

    [Fact]
    public void The_SSH_failure_ids_are_declared()
    {
        foreach (var id in new[] { "SshConnectFailed", "SshAuthenticationFailed", "HostKeyMismatch", "HostKeyUnknown", "SshConnectionLost", "SftpFailed", "SshOperationFailed" })
        {
            Assert.Contains(id, Declared);
        }
    }

    [Fact]
    public void The_README_lists_every_error_id()
    {
        var readme = File.ReadAllText(Path.Combine(RepoPaths.Root, "README.md"));
        var missing = Declared.Where(id => !readme.Contains($"`{id}`")).ToList();
        Assert.True(missing.Count == 0, "README.md does not list: " + string.Join(", ", missing));
    }

    [Fact]
    public void Each_id_is_its_own_name()
    {
        foreach (var field in typeof(ArenaErrorIds).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            Assert.Equal(field.Name, field.GetRawConstantValue());
        }
        Assert.Equal(Declared.Length, Declared.Distinct().Count());
    }
}
