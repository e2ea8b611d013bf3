using ArenaInfra.RunPod;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>The warning of an unreachable API promises what the retries do: the attempts or the budget, whichever ends first.</summary>
public sealed class RetryWindowTests
{
    private static RunPodClientOptions Options(int budgetSec, int attempts, int timeoutSec, int maxDelaySec) =>
        new(new Uri("http://127.0.0.1:9/"), "k", "ArenaInfra/0.0.0-test")
        {
            RetryBudget = TimeSpan.FromSeconds(budgetSec),
            MaxRetryAttempts = attempts,
            RequestTimeout = TimeSpan.FromSeconds(timeoutSec),
            RetryMaxDelay = TimeSpan.FromSeconds(maxDelaySec),
        };

    [Fact]
    public void The_budget_is_promised_only_when_the_attempts_could_last_that_long()
    {
        var shortAttempts = Options(budgetSec: 120, attempts: 2, timeoutSec: 1, maxDelaySec: 1);
        var longAttempts = Options(budgetSec: 120, attempts: 6, timeoutSec: 30, maxDelaySec: 30);

        Assert.Equal(TimeSpan.FromSeconds(5), shortAttempts.RetryWindow);
        Assert.Equal("trying again up to 2 times within 5 s", shortAttempts.RetryPromise);
        Assert.Equal(TimeSpan.FromSeconds(120), longAttempts.RetryWindow);
        Assert.Equal("trying again up to 6 times within 120 s", longAttempts.RetryPromise);
    }
}
