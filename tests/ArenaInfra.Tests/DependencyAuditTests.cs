using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>
/// Reads every DLL the module ships and checks that each assembly it references is either part of the
/// framework (netstandard, what Windows PowerShell and PowerShell 7 provide) or shipped with a version
/// at least as high as the one asked for. Without binding redirects on Windows PowerShell, a lower
/// shipped version is a FileLoadException on first use.
/// </summary>
public sealed class DependencyAuditTests
{
    private static readonly string ModuleDir = Path.Combine(RepoPaths.Root, "out", "ArenaInfra");

    // What the host provides: the netstandard facade and the framework's own assemblies.
    private static readonly string[] Framework =
    {
        "netstandard", "mscorlib", "System", "System.Core", "System.Management.Automation", "System.Numerics", "System.Runtime",
        "System.Xml", "System.Xml.Linq", "System.Data", "System.Net.Http", "System.Runtime.Serialization", "System.ComponentModel.DataAnnotations",
        "Microsoft.CSharp", "System.Security", "System.Drawing",
    };

    private static IEnumerable<string> ShippedDlls() =>
        Directory.Exists(ModuleDir) ? Directory.GetFiles(ModuleDir, "*.dll", SearchOption.AllDirectories) : Array.Empty<string>();

    private static (string Name, Version Version) Identity(string dll)
    {
        using var pe = new PEReader(File.OpenRead(dll));
        var md = pe.GetMetadataReader();
        var def = md.GetAssemblyDefinition();
        return (md.GetString(def.Name), def.Version);
    }

    private static IEnumerable<(string Name, Version Version)> References(string dll)
    {
        using var pe = new PEReader(File.OpenRead(dll));
        var md = pe.GetMetadataReader();
        return md.AssemblyReferences.Select(h => md.GetAssemblyReference(h)).Select(r => (md.GetString(r.Name), r.Version)).ToList();
    }

    [Fact]
    public void Every_reference_is_the_framework_or_an_allow_listed_dependency_shipped_in_a_high_enough_version()
    {
        Assert.True(File.Exists(Path.Combine(ModuleDir, "ArenaInfra.dll")), "build the module first (build.ps1 build)");
        var shipped = ShippedDlls().Select(Identity).ToDictionary(i => i.Name, i => i.Version, StringComparer.OrdinalIgnoreCase);
        var problems = new List<string>();
        foreach (var dll in ShippedDlls())
        {
            foreach (var (name, version) in References(dll))
            {
                if (Framework.Contains(name, StringComparer.OrdinalIgnoreCase)) continue;
                // Windows PowerShell probes only its own folder: every other reference is found by our resolver.
                if (!DependencyResolver.AllowList.Contains(name, StringComparer.OrdinalIgnoreCase))
                {
                    problems.Add($"{Path.GetFileName(dll)} needs {name} {version}, which is neither framework nor on the resolver's allow-list");
                }
                else if (!shipped.TryGetValue(name, out var have))
                {
                    problems.Add($"{Path.GetFileName(dll)} needs {name} {version}, which is allow-listed but not shipped");
                }
                else if (have < version)
                {
                    problems.Add($"{Path.GetFileName(dll)} needs {name} {version}, but only {have} is shipped");
                }
            }
        }
        Assert.Empty(problems);
    }

    [Fact]
    public void The_allow_list_is_exactly_what_dependencies_holds()
    {
        var folder = Path.Combine(ModuleDir, "dependencies");
        var present = Directory.GetFiles(folder, "*.dll").Select(Path.GetFileNameWithoutExtension).OrderBy(n => n, StringComparer.OrdinalIgnoreCase);
        Assert.Equal(DependencyResolver.AllowList.OrderBy(n => n, StringComparer.OrdinalIgnoreCase), present);
        Assert.Equal(new[] { "ArenaInfra.dll" }, Directory.GetFiles(ModuleDir, "*.dll").Select(Path.GetFileName));
    }

    [Fact]
    public void The_module_ships_no_PowerShell_assembly_and_no_test_or_build_leftovers()
    {
        var names = ShippedDlls().Select(Path.GetFileName).ToList();
        Assert.DoesNotContain("System.Management.Automation.dll", names);
        Assert.DoesNotContain(names, n => n!.Contains("xunit", StringComparison.OrdinalIgnoreCase));
        Assert.Empty(Directory.GetFiles(ModuleDir, "*.deps.json"));
    }
}
