using System.Reflection;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>
/// 'build.ps1 test -Unit' runs the tests without the trait Category=Sandbox. That stays true only
/// if the trait is on exactly the classes that start a sandbox (a Sandbox or SshSandbox fixture),
/// each class has a sandbox of its own, and the classes that point the data folder elsewhere run
/// one after another.
/// </summary>
public sealed class SandboxTraitTests
{
    private static readonly Type[] SandboxFixtures = { typeof(Sandbox), typeof(SshSandbox) };

    private static IEnumerable<Type> TestClasses() =>
        typeof(SandboxTraitTests).Assembly.GetTypes().Where(t => t.IsClass && !t.IsAbstract &&
            t.GetMethods().Any(m => m.GetCustomAttributes<FactAttribute>(inherit: true).Any()));

    private static bool TakesA(Type testClass, Type fixture) =>
        testClass.GetConstructors().Any(c => c.GetParameters().Any(p => p.ParameterType == fixture));

    private static bool TakesASandbox(Type testClass) => SandboxFixtures.Any(f => TakesA(testClass, f));

    private static IEnumerable<string> Arguments(MemberInfo member, Type attribute) =>
        member.GetCustomAttributesData().Where(a => a.AttributeType == attribute).Select(a => string.Join("=", a.ConstructorArguments.Select(x => x.Value)));

    private static bool MarkedSandbox(Type testClass) => Arguments(testClass, typeof(TraitAttribute)).Contains("Category=Sandbox");

    [Fact]
    public void The_test_classes_are_found()
    {
        var classes = TestClasses().ToList();
        Assert.Contains(typeof(SandboxTraitTests), classes);
        Assert.Contains(typeof(RunPodApiTests), classes);
        Assert.Contains(classes, TakesASandbox);
        Assert.Contains(classes, c => !TakesASandbox(c));
    }

    [Fact]
    public void Exactly_the_classes_that_take_a_sandbox_are_marked_Category_Sandbox()
    {
        var unmarked = TestClasses().Where(c => TakesASandbox(c) && !MarkedSandbox(c)).Select(c => c.Name);
        var marked = TestClasses().Where(c => !TakesASandbox(c) && MarkedSandbox(c)).Select(c => c.Name);

        Assert.Empty(unmarked);
        Assert.Empty(marked);
    }

    [Fact]
    public void A_class_that_takes_a_sandbox_has_its_own_one()
    {
        var shared = TestClasses().Where(TakesASandbox)
            .Where(c => !c.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IClassFixture<>) && SandboxFixtures.Contains(i.GetGenericArguments()[0])))
            .Select(c => c.Name);
        var collectionWide = typeof(SandboxTraitTests).Assembly.GetTypes()
            .Where(t => t.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(ICollectionFixture<>) && SandboxFixtures.Contains(i.GetGenericArguments()[0])))
            .Select(t => t.Name);

        Assert.Empty(shared);
        Assert.Empty(collectionWide);
    }

    [Fact]
    public void Classes_that_point_the_data_folder_at_their_own_run_one_after_another()
    {
        var apart = TestClasses().Where(c => TakesA(c, typeof(SshSandbox)))
            .Where(c => !Arguments(c, typeof(CollectionAttribute)).Contains(DataFolderCollection.Name))
            .Select(c => c.Name);

        Assert.Empty(apart);
    }
}
