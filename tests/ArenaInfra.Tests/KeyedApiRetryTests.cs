using ArenaInfra.Common;
using Polly;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>When the keyed sender (OpenRouter, Vast.ai) sends again: a pure rule, each case alone.</summary>
public sealed class KeyedApiRetryTests
{
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(120);

    private static bool Retries(int status, double? retryAfterSeconds, bool safeToRepeat = true, double elapsedSeconds = 0) =>
        KeyedApiHttp.ShouldRetry(safeToRepeat,
            Outcome.FromResult(new ApiAnswer(status, retryAfterSeconds == null ? null : TimeSpan.FromSeconds(retryAfterSeconds.Value), "")),
            TimeSpan.FromSeconds(elapsedSeconds), Budget, MaxDelay);

    [Fact]
    public void A_429_asking_for_a_wait_the_sender_would_not_keep_is_not_sent_again_sooner_than_asked()
    {
        Assert.True(Retries(429, 10));
        Assert.True(Retries(429, null));
        // Asked to wait 45 s, more than the 30 s the sender waits at most: sending at 30 s would only meet another 429.
        Assert.False(Retries(429, 45));
        Assert.False(Retries(429, 10, elapsedSeconds: 115));
    }

    [Fact]
    public void A_gateway_error_is_sent_again_only_when_safe_to_repeat()
    {
        Assert.True(Retries(503, null));
        Assert.False(Retries(503, null, safeToRepeat: false));
        Assert.False(Retries(400, null));
    }
}
