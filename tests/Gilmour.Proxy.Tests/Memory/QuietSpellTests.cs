using Gilmour.ServiceDefaults;

namespace Gilmour.Proxy.Tests.Memory;

/// <summary>When the idle memory trim collects, given what each idle period allocated and what the GC holds.</summary>
public sealed class QuietSpellTests
{
    private const long MiB = 1L << 20;
    private const long Idle = 4 * MiB;
    private const long Slack = 32 * MiB;

    [Fact]
    public void Trims_once_per_quiet_spell_and_again_in_the_spell_after_the_next_burst()
    {
        var spell = new QuietSpell(Idle, Slack);

        Assert.Equal(QuietSpellStep.Busy, spell.Next(500 * MiB, 400 * MiB));
        Assert.Equal(QuietSpellStep.Trim, spell.Next(MiB, 400 * MiB));
        // However long it stays idle, and even if the GC still holds a lot: one collection per spell.
        for (var period = 0; period < 100; period++)
            Assert.Equal(QuietSpellStep.TrimmedAlready, spell.Next(MiB, 400 * MiB));

        Assert.Equal(QuietSpellStep.Busy, spell.Next(Idle, 400 * MiB));
        Assert.Equal(QuietSpellStep.Trim, spell.Next(0, 400 * MiB));
        Assert.Equal(QuietSpellStep.TrimmedAlready, spell.Next(0, 400 * MiB));
    }

    [Fact]
    public void Never_trims_in_a_period_that_allocated_as_much_as_the_idle_threshold()
    {
        var spell = new QuietSpell(Idle, Slack);

        for (var period = 0; period < 10; period++)
            Assert.Equal(QuietSpellStep.Busy, spell.Next(Idle + period, 900 * MiB));
        Assert.Equal(QuietSpellStep.Trim, spell.Next(Idle - 1, 900 * MiB));
    }

    [Fact]
    public void An_idle_period_with_too_little_slack_does_not_trim_nor_use_up_the_spell()
    {
        var spell = new QuietSpell(Idle, Slack);

        Assert.Equal(QuietSpellStep.TooLittleSlack, spell.Next(0, Slack - 1));
        Assert.Equal(QuietSpellStep.TooLittleSlack, spell.Next(0, 0));
        Assert.Equal(QuietSpellStep.Trim, spell.Next(0, Slack));
        Assert.Equal(QuietSpellStep.TrimmedAlready, spell.Next(0, Slack));
    }
}
