using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>
/// The module's layout rules, read from its source: a type's namespace is its folder's (Common/IO holds
/// ArenaInfra.Common.IO), except the public types a user sees, which keep ArenaInfra wherever they sit;
/// Ssh/ is the transport and nothing else; a cmdlet is a thin class. A file in the wrong place is found
/// here rather than by the next reader.
/// </summary>
public sealed class LayoutTests
{
    private static readonly string ModuleDir = Path.Combine(RepoPaths.Root, "ArenaInfra.Module");

    /// <summary>Types the compiler needs under System's own namespaces on netstandard2.0.</summary>
    private const string Polyfills = "Common/Polyfills.cs";

    /// <summary>Words that name work over SSH rather than the SSH transport itself: such a file belongs elsewhere.</summary>
    private static readonly string[] NotTransport = { "Backup", "Restore", "Tar", "Proxy", "Nginx", "Roster", "Participant", "Operation", "Fleet", "Repair" };

    private const int SshFolderMaxLines = 1100;
    private const int CmdletMaxLines = 130;

    private static readonly Regex NamespaceLine = new(@"^namespace\s+(?<name>[\w.]+)\s*(?<fileScoped>;)?");
    private static readonly Regex TypeLine = new(
        @"^(?<indent> *)(?<modifiers>(?:(?:public|internal|private|protected|static|sealed|abstract|partial|readonly|unsafe|ref|file)\s+)*)(?:class|struct|interface|enum|record)\s+(?<name>\w+)(?<typeParameters><[^>]*>)?");

    private sealed record SourceType(string File, string Namespace, string Name, bool IsPublic)
    {
        public string FullName => Namespace + "." + Name;
    }

    /// <summary>Every .cs file of the module (not obj/ or bin/), as a path relative to the module folder with '/'.</summary>
    private static IReadOnlyList<string> SourceFiles() =>
        ModuleSources.Files()
            .Select(f => Path.GetRelativePath(ModuleDir, f).Replace('\\', '/'))
            .OrderBy(f => f, StringComparer.Ordinal)
            .ToList();

    /// <summary>
    /// The top-level types a file declares, each with its namespace: a block namespace puts them one indent
    /// (4 spaces) in, a file-scoped one at the margin. Nested types are deeper and belong to their outer type.
    /// </summary>
    private static IEnumerable<SourceType> TypesIn(string relativeFile)
    {
        string? ns = null;
        var topIndent = 4;
        foreach (var line in File.ReadLines(Path.Combine(ModuleDir, relativeFile)))
        {
            var nsMatch = NamespaceLine.Match(line);
            if (nsMatch.Success)
            {
                ns = nsMatch.Groups["name"].Value;
                topIndent = nsMatch.Groups["fileScoped"].Success ? 0 : 4;
                continue;
            }
            var typeMatch = TypeLine.Match(line);
            if (!typeMatch.Success || typeMatch.Groups["indent"].Length != topIndent) continue;
            var modifiers = typeMatch.Groups["modifiers"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            // As the assembly names a generic type: PodOperation<TResult> is PodOperation`1.
            var typeParameters = typeMatch.Groups["typeParameters"];
            var name = typeMatch.Groups["name"].Value + (typeParameters.Success ? "`" + (typeParameters.Value.Count(c => c == ',') + 1) : "");
            yield return new SourceType(relativeFile, ns ?? "", name, modifiers.Contains("public"));
        }
    }

    private static readonly Lazy<IReadOnlyList<SourceType>> AllTypes = new(() => SourceFiles().SelectMany(TypesIn).ToList());

    /// <summary>ArenaInfra plus the folder: Common/IO/SafeFile.cs is in ArenaInfra.Common.IO.</summary>
    private static string FolderNamespace(string relativeFile)
    {
        var folder = Path.GetDirectoryName(relativeFile)!.Replace('\\', '/');
        return folder.Length == 0 ? "ArenaInfra" : "ArenaInfra." + folder.Replace('/', '.');
    }

    [Theory]
    [InlineData("Common/IO/SafeFile.cs", "ArenaInfra.Common.IO")]
    [InlineData("Ssh/SshTarget.cs", "ArenaInfra.Ssh")]
    [InlineData("Cmdlets/Base/PodCmdlet.cs", "ArenaInfra.Cmdlets.Base")]
    [InlineData("Top.cs", "ArenaInfra")]
    public void A_folder_names_its_namespace(string file, string expected)
    {
        Assert.Equal(expected, FolderNamespace(file));
    }

    [Fact]
    public void The_source_reading_finds_every_type_the_assembly_has_and_no_other()
    {
        var fromSource = AllTypes.Value.Select(t => t.FullName).ToHashSet(StringComparer.Ordinal);
        var fromAssembly = typeof(ArenaPod).Assembly.GetTypes()
            .Where(t => !t.IsNested && t.GetCustomAttribute<CompilerGeneratedAttribute>() == null && !t.Name.Contains('<'))
            .Select(t => t.FullName!)
            .ToHashSet(StringComparer.Ordinal);

        Assert.True(fromSource.Count > 150, $"only {fromSource.Count} types read from the source: the reading no longer matches the code");
        Assert.Empty(fromAssembly.Except(fromSource).OrderBy(n => n, StringComparer.Ordinal));
        Assert.Empty(fromSource.Except(fromAssembly).OrderBy(n => n, StringComparer.Ordinal));
    }

    [Fact]
    public void Every_type_is_in_its_folders_namespace_or_is_a_public_type_of_ArenaInfra()
    {
        var wrong = AllTypes.Value
            .Where(t => t.File != Polyfills)
            .Where(t => t.Namespace != FolderNamespace(t.File) && !(t.Namespace == "ArenaInfra" && t.IsPublic))
            .Select(t => $"{t.File}: {t.FullName} (expected {FolderNamespace(t.File)}{(t.Namespace == "ArenaInfra" ? ", or public" : "")})")
            .ToList();
        Assert.Empty(wrong);
    }

    [Fact]
    public void Every_type_the_format_file_shows_keeps_the_ArenaInfra_namespace()
    {
        var format = File.ReadAllText(Path.Combine(ModuleDir, "ArenaInfra.Format.ps1xml"));
        var shown = Regex.Matches(format, @"<TypeName>(?<name>[^<]+)</TypeName>").Select(m => m.Groups["name"].Value).Distinct().ToList();
        Assert.NotEmpty(shown);
        var assembly = typeof(ArenaPod).Assembly;
        foreach (var name in shown)
        {
            Assert.StartsWith("ArenaInfra.", name);
            var type = assembly.GetType(name);
            Assert.True(type is { IsPublic: true }, $"{name} is named in ArenaInfra.Format.ps1xml but is no public type of the module");
        }
    }

    [Fact]
    public void Ssh_holds_the_transport_only()
    {
        var files = SourceFiles().Where(f => f.StartsWith("Ssh/", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(files);
        var misplaced = files.Where(f => NamesWorkOverSsh(Path.GetFileNameWithoutExtension(f))).ToList();
        Assert.Empty(misplaced);
        var lines = files.Sum(f => File.ReadLines(Path.Combine(ModuleDir, f)).Count());
        Assert.True(lines < SshFolderMaxLines, $"Ssh/ has {lines} lines; the transport should stay under {SshFolderMaxLines}: move the work done over SSH to its feature's folder");
    }

    /// <summary>Whether one of a PascalCase name's words (SshTarget: Ssh and Target, no Tar) is one of NotTransport, or its plural.</summary>
    private static bool NamesWorkOverSsh(string name) =>
        Regex.Matches(name, "[A-Z][a-z0-9]*").Any(word => NotTransport.Any(n => word.Value == n || word.Value == n + "s"));

    [Theory]
    [InlineData("PodBackupOperation", true)]
    [InlineData("ProxySession", true)]
    [InlineData("TarStreamReader", true)]
    [InlineData("SshFleetRunner", true)]
    [InlineData("SshTarget", false)]
    [InlineData("HostKeyStore", false)]
    public void A_file_name_that_names_work_over_SSH_is_not_transport(string name, bool notTransport)
    {
        Assert.Equal(notTransport, NamesWorkOverSsh(name));
    }

    [Fact]
    public void A_cmdlet_is_a_thin_class()
    {
        var tooLong = SourceFiles()
            .Where(f => f.StartsWith("Cmdlets/", StringComparison.Ordinal) && !f.StartsWith("Cmdlets/Base/", StringComparison.Ordinal))
            .Select(f => (File: f, Lines: File.ReadLines(Path.Combine(ModuleDir, f)).Count()))
            .Where(f => f.Lines > CmdletMaxLines)
            .Select(f => $"{f.File}: {f.Lines} lines")
            .ToList();
        Assert.Empty(tooLong);
    }
}
