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

    [Fact]
    public void Every_error_the_module_raises_takes_its_id_from_ArenaErrorIds()
    {
        var literals = Directory.GetFiles(Path.Combine(RepoPaths.Root, "ArenaInfra.Module"), "*.cs", SearchOption.AllDirectories)
            .SelectMany(file => Regex.Matches(File.ReadAllText(file), @"new ArenaException\(\s*""(\w+)""").Select(m => $"{Path.GetFileName(file)}: {m.Groups[1].Value}"))
            .ToList();
        Assert.Empty(literals);
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
