using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

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
