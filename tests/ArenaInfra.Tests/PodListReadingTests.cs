using System.Net.Http;
using ArenaInfra.Config;
using ArenaInfra.Pods;
using ArenaInfra.Proxy;
using ArenaInfra.RunPod;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>
/// How a page of the REST pod list is read as it streams: what a parsed tree of the whole answer gave
/// (non-objects skipped, a repeated member's last value, broken JSON refused), and a pod's warning given
/// only when its page is a good answer.
/// </summary>
public sealed class PodListReadingTests
{
    private const string LastPage = @"""pagination"":{""hasNextPage"":false,""nextCursor"":null}";
    private readonly RecordingLog _log = new();

    private IRunPodApi Api(params string[] bodies) =>
        RunPodApiFactory.Create("rest", new RunPodClientOptions(new Uri("http://127.0.0.1:9/"), "list-test-key-4411", "ArenaInfra/0.0.0-test")
        {
            Handler = new Bodies(bodies),
            RetryBudget = TimeSpan.Zero,
            Log = _log,
        }, new PodMapper(new FleetNaming("camp"), new ProxyPortPlan(16000, new[] { "alpha", "bravo" })));

    private static string Pod(string id, string name, string extra = "") =>
        $@"{{""id"":""{id}"",""name"":""{name}"",""status"":""EXITED""{extra}}}";

    private IReadOnlyList<ArenaPod> List(params string[] bodies) => Api(bodies).ListPodsAsync(CancellationToken.None).GetAwaiter().GetResult();

    private ArenaException Fails(params string[] bodies) =>
        Assert.ThrowsAsync<ArenaException>(() => Api(bodies).ListPodsAsync(CancellationToken.None)).GetAwaiter().GetResult();

    private List<string> Warnings() => _log.Lines.Where(l => l.StartsWith("WARNING: ", StringComparison.Ordinal)).ToList();

    [Fact]
    public void Entries_of_the_list_that_are_not_pods_are_passed_over()
    {
        var pods = List($@"{{""pods"":[1,null,""camp-x"",[],{Pod("a1", "camp-alpha")},true,{Pod("b2", "camp-bravo")}],{LastPage}}}");

        Assert.Equal(new[] { "camp-alpha", "camp-bravo" }, pods.Select(p => p.Name));
        Assert.Equal(new int?[] { 16000, 16001 }, pods.Select(p => p.ProxyPort));
    }

    [Fact]
    public void A_member_given_twice_counts_as_its_last_value()
    {
        var pods = List($@"{{""pods"":[{Pod("a1", "camp-alpha")}],""pods"":[{Pod("b2", "camp-bravo")}],{LastPage}}}");

        Assert.Equal(new[] { "b2" }, pods.Select(p => p.Id));
    }

    [Fact]
    public void A_list_replaced_by_something_else_is_no_list()
    {
        var error = Fails($@"{{""pods"":[{Pod("a1", "camp-alpha")}],""pods"":{{}},{LastPage}}}");

        Assert.Equal(ArenaErrorIds.InvalidResponse, error.ErrorId);
        Assert.Contains("has no list at 'pods'", error.Message);
    }

    [Fact]
    public void A_pod_out_of_range_is_warned_about_once_its_page_is_good()
    {
        var pods = List($@"{{""pods"":[{Pod("a1", "camp-alpha", @",""disk"":1e30")}],{LastPage}}}");

        Assert.Null(Assert.Single(pods).DiskSizeGB);
        var warning = Assert.Single(Warnings());
        Assert.Contains("camp-alpha", warning);
        Assert.Contains("disk", warning);
    }

    [Fact]
    public void A_page_that_turns_out_to_be_an_error_gives_no_warning_about_its_pods()
    {
        var error = Fails($@"{{""pods"":[{Pod("a1", "camp-alpha", @",""disk"":1e30")}],""error"":""something broke"",{LastPage}}}");

        Assert.Contains("something broke", error.Message);
        Assert.Empty(Warnings());
    }

    [Fact]
    public void A_page_whose_JSON_breaks_after_its_pods_is_refused_without_warnings()
    {
        var error = Fails($@"{{""pods"":[{Pod("a1", "camp-alpha", @",""disk"":1e30")}],""pagination"":{{""hasNextPage"":fal");

        Assert.Equal(ArenaErrorIds.InvalidResponse, error.ErrorId);
        Assert.Contains("is not valid JSON", error.Message);
        Assert.Empty(Warnings());
    }

    [Fact]
    public void Pods_of_later_pages_follow_and_a_pod_seen_again_is_kept_once()
    {
        var pods = List(
            $@"{{""pods"":[{Pod("a1", "camp-alpha")},{Pod("b2", "camp-bravo")}],""pagination"":{{""hasNextPage"":true,""nextCursor"":""c2""}}}}",
            $@"{{""pods"":[{Pod("b2", "camp-bravo")},{Pod("c3", "camp-zulu")},{Pod("d4", "camp-yankee")}],{LastPage}}}");

        Assert.Equal(new[] { "a1", "b2", "c3", "d4" }, pods.Select(p => p.Id));
        // Names outside MachineNames get the ports after the list, in name order.
        Assert.Equal(new int?[] { 16000, 16001, 16003, 16002 }, pods.Select(p => p.ProxyPort));
    }

    /// <summary>Answers each request with the next body, 200 as JSON.</summary>
    private sealed class Bodies : HttpMessageHandler
    {
        private readonly Queue<string> _bodies;
        public Bodies(string[] bodies) => _bodies = new Queue<string>(bodies);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.OK)
            {
                Content = new StringContent(_bodies.Dequeue(), System.Text.Encoding.UTF8, "application/json"),
            });
    }
}
