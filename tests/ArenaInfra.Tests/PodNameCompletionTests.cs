using ArenaInfra.Cmdlets.Base;
using ArenaInfra.Config;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>What tab completion offers: pods that exist for commands that act on pods, free machine names for new pods.</summary>
public sealed class PodNameCompletionTests
{
    private static readonly string[] Machines = { "alpha", "bravo", "charlie" };
    private static readonly FleetNaming Naming = new("camp");

    private static string[] Offered(IReadOnlyList<string>? pods, bool forNewPods, string word = "") =>
        PodNameCompletion.Candidates(Machines, pods, Naming, word, forNewPods).Select(c => c.Text).ToArray();

    [Fact]
    public void Commands_on_pods_are_offered_the_listed_pods_and_their_machine_names_never_a_machine_without_a_pod()
    {
        var listed = new[] { "camp-alpha", "camp-zulu" };

        Assert.Equal(new[] { "alpha", "camp-alpha", "camp-zulu" }, Offered(listed, forNewPods: false));
        Assert.Empty(Offered(Array.Empty<string>(), forNewPods: false));
        // Before any listing, nobody knows which exist: the configured names, said to be unlisted.
        Assert.Equal(Machines, Offered(null, forNewPods: false));
        Assert.Contains("no recent listing", PodNameCompletion.Candidates(Machines, null, Naming, "", false).First().Tip);
    }

    [Fact]
    public void New_pods_are_offered_the_configured_machines_that_have_no_pod()
    {
        Assert.Equal(new[] { "bravo", "charlie" }, Offered(new[] { "camp-alpha", "camp-zulu" }, forNewPods: true));
        Assert.Equal(new[] { "charlie" }, Offered(new[] { "camp-alpha" }, forNewPods: true, word: "ch"));
        Assert.Equal(Machines, Offered(null, forNewPods: true));
    }
}
