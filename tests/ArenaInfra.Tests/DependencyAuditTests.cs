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

/// <summary>
/// What the resolver answers when a library asks for an assembly (on Windows PowerShell through
/// AssemblyResolve, whatever version was asked for, as a binding redirect would).
/// </summary>
public sealed class DependencyResolverTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("arena-deps-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Ship(string name)
    {
        var path = Path.Combine(_folder, name + ".dll");
        File.WriteAllBytes(path, new byte[] { 0x4d, 0x5a });
        return path;
    }

    [Theory]
    [InlineData("System.Memory, Version=4.0.1.1, Culture=neutral, PublicKeyToken=cc7b13ffcd2ddd51")]
    [InlineData("System.Memory, Version=4.0.5.0, Culture=neutral, PublicKeyToken=cc7b13ffcd2ddd51")]
    [InlineData("system.memory")]
    public void An_allow_listed_library_is_answered_with_the_shipped_copy_whatever_version_is_asked(string request)
    {
        var shipped = Ship("System.Memory");
        Assert.Equal(shipped, DependencyResolver.ShippedPath(_folder, request));
    }

    [Fact]
    public void Outside_a_context_of_its_own_the_resolver_answers_only_its_own_assemblies_requests()
    {
        var module = Path.Combine(_folder, "ArenaInfra");

        Assert.True(DependencyResolver.AnswersFor(module, Path.Combine(module, "ArenaInfra.dll")));
        Assert.True(DependencyResolver.AnswersFor(module, Path.Combine(module, "dependencies", "Renci.SshNet.dll")));
        // Another module asking for System.Memory keeps its own copy; a request from nowhere is not ours.
        Assert.False(DependencyResolver.AnswersFor(module, Path.Combine(_folder, "Az.Accounts", "Az.Accounts.dll")));
        Assert.False(DependencyResolver.AnswersFor(module, Path.Combine(module, "dependencies", "nested", "Other.dll")));
        Assert.False(DependencyResolver.AnswersFor(module, null));
    }

    [Fact]
    public void An_assembly_off_the_allow_list_is_never_loaded_even_when_a_file_of_that_name_is_in_the_folder()
    {
        Ship("Evil.Library");
        Assert.Null(DependencyResolver.ShippedPath(_folder, "Evil.Library, Version=1.0.0.0"));
    }

    [Theory]
    [InlineData("Renci.SshNet, Version=2026.0.0.1")]   // allow-listed but not in the folder
    [InlineData("ArenaInfra.resources, Version=0.1.0.0, Culture=en-US")]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("../Renci.SshNet")]
    public void Anything_else_is_left_to_the_runtime(string? request)
    {
        Ship("Polly.Core");
        Assert.Null(DependencyResolver.ShippedPath(_folder, request));
    }
}
