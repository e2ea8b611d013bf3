using System;
using System.Linq;
using ArenaInfra.RunPod;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>The client's own limit: at most N requests in any one second (with a tenth to spare), and no wait a short run does not need.</summary>
public sealed class RequestPacerTests
{
    private static readonly long Second = TimeSpan.TicksPerSecond;
    // The window: a second and a tenth, the tenth for the network's jitter.
    private static readonly long Window = RequestPacer.WindowTicks;

    [Fact]
    public void A_run_no_longer_than_the_limit_goes_at_once()
    {
        var pacer = new RequestPacer(8);
        var waits = Enumerable.Range(0, 5).Select(i => pacer.Reserve(i * Second / 100)).ToArray();
        Assert.All(waits, w => Assert.Equal(0, w));
    }

    [Fact]
    public void The_request_after_N_waits_until_the_oldest_is_a_window_old()
    {
        var pacer = new RequestPacer(3);
        Assert.Equal(new long[] { 0, 0, 0 }, new[] { pacer.Reserve(0), pacer.Reserve(0), pacer.Reserve(Second / 10) });
        Assert.Equal(Window, pacer.Reserve(0));
        Assert.Equal(Window - Second / 2, pacer.Reserve(Second / 2));
        Assert.Equal(Window + Second / 10 - Second, pacer.Reserve(Second));
    }

    [Fact]
    public void A_long_run_settles_at_N_a_window()
    {
        var pacer = new RequestPacer(8);
        var slots = Enumerable.Range(0, 20).Select(_ => pacer.Reserve(0)).ToArray();
        Assert.Equal(Enumerable.Repeat(0L, 8).Concat(Enumerable.Repeat(Window, 8)).Concat(Enumerable.Repeat(2 * Window, 4)), slots);
    }

    [Fact]
    public void No_second_ever_holds_more_than_N_and_a_tenth_to_spare()
    {
        var random = new Random(7);
        var pacer = new RequestPacer(5);
        var now = 0L;
        var slots = new long[400];
        for (var i = 0; i < slots.Length; i++)
        {
            now += (long)(random.NextDouble() * random.NextDouble() * Second / 2);
            slots[i] = now + pacer.Reserve(now);
        }
        Array.Sort(slots);
        for (var i = 5; i < slots.Length; i++) Assert.True(slots[i] - slots[i - 5] >= Second + Second / 10, $"request {i} left {slots[i] - slots[i - 5]} ticks after the fifth before it");
    }

    [Fact]
    public void A_hold_from_RunPod_delays_every_request_until_it_ends()
    {
        var pacer = new RequestPacer(8);
        pacer.HoldUntil(2 * Second);
        Assert.Equal(2 * Second, pacer.Reserve(0));
        Assert.Equal(Second, pacer.Reserve(Second));
        Assert.Equal(0, pacer.Reserve(4 * Second));
    }

    [Fact]
    public void No_limit_never_waits()
    {
        var pacer = new RequestPacer(0);
        Assert.All(Enumerable.Range(0, 100).Select(_ => pacer.Reserve(0)), w => Assert.Equal(0, w));
    }
}
