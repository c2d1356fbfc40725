namespace Gilmour.ServiceDefaults;

/// <summary>What one look at an idle period found, and so what the idle memory trim does about it.</summary>
public enum QuietSpellStep
{
    /// <summary>The period allocated too much to count as idle: a new quiet spell may start with the next one.</summary>
    Busy,

    /// <summary>Idle, but the GC holds too little beyond the live heap for a full collection to be worth it.</summary>
    TooLittleSlack,

    /// <summary>Idle with memory to give back, and this quiet spell has not trimmed yet: collect now.</summary>
    Trim,

    /// <summary>Still idle after this spell's trim: nothing more to give back until the next burst.</summary>
    TrimmedAlready,
}

/// <summary>
/// Decides, once per idle period, whether the idle memory trim collects: only in a period that allocated next to
/// nothing, only when the GC holds enough beyond the live heap, and at most once per quiet spell (a run of idle periods
/// between two busy ones), so an idle service is never collected over and over.
/// </summary>
public sealed class QuietSpell(long idleAllocationBytes, long minimumSlackBytes)
{
    private bool _trimmed;

    /// <param name="allocatedBytes">what the process allocated during the period just ended</param>
    /// <param name="slackBytes">committed memory beyond what the last collection found alive</param>
    public QuietSpellStep Next(long allocatedBytes, long slackBytes)
    {
        if (allocatedBytes >= idleAllocationBytes)
        {
            _trimmed = false;
            return QuietSpellStep.Busy;
        }
        if (_trimmed) return QuietSpellStep.TrimmedAlready;
        if (slackBytes < minimumSlackBytes) return QuietSpellStep.TooLittleSlack;
        _trimmed = true;
        return QuietSpellStep.Trim;
    }
}
