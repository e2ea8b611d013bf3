using ArenaInfra.Proxy;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>The proxy port of each machine name: its place in MachineNames, then the names outside it in name order.</summary>
public sealed class ProxyPortPlanTests
{
    [Fact]
    public void A_name_listed_twice_keeps_the_port_of_its_first_place()
    {
        var plan = new ProxyPortPlan(16000, new[] { "alpha", "bravo", "alpha", "charlie" });

        Assert.Equal(16000, plan.PortOf("alpha"));
        Assert.Equal(16001, plan.PortOf("bravo"));
        Assert.Equal(16003, plan.PortOf("charlie"));
    }

    [Fact]
    public void Names_are_told_apart_by_case_and_a_name_outside_the_list_has_no_fixed_port()
    {
        var plan = new ProxyPortPlan(16000, new[] { "alpha" });

        Assert.Null(plan.PortOf("Alpha"));
        Assert.Null(plan.PortOf("zulu"));
        Assert.Null(plan.PortOf(null));
    }

    [Fact]
    public void Names_outside_the_list_follow_it_in_name_order_once_each()
    {
        var plan = new ProxyPortPlan(16000, new[] { "alpha", "bravo" });

        var ports = plan.PortsOf(new[] { "zulu", "alpha", "yankee", "zulu" });

        Assert.Equal(new Dictionary<string, int> { ["alpha"] = 16000, ["bravo"] = 16001, ["yankee"] = 16002, ["zulu"] = 16003 }, ports);
    }
}
