using System.Runtime;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gilmour.ServiceDefaults;

/// <summary>Gilmour:IdleMemoryTrim: when an idle service gives back the memory a burst left it.</summary>
public sealed class IdleMemoryTrimOptions
{
    public const string Section = "Gilmour:IdleMemoryTrim";

    /// <summary>How long a service must have allocated next to nothing before it trims; 0 turns trimming off.</summary>
    public double IdleSeconds { get; set; } = 10;

    /// <summary>Committed memory beyond the live heap below which trimming is not worth a full collection.</summary>
    public int MinimumSlackMiB { get; set; } = 32;

    internal TimeSpan Idle => TimeSpan.FromSeconds(IdleSeconds);
}

/// <summary>
/// Gives the operating system back the memory a burst left behind once a service is idle. Large messages grow the
/// large-object heap by hundreds of MiB, and an idle process allocates nothing, so no collection ever runs that would
/// return it. After <see cref="IdleMemoryTrimOptions.IdleSeconds"/> with almost no allocation, one compacting full
/// collection in aggressive mode decommits it; <see cref="QuietSpell"/> decides when, at most once per quiet spell and
/// never under load. Each trim logs what the collection did (its number, whether it compacted, the GC's committed
/// memory and the working set before and after); the looks that do not trim log at Debug why not.
/// </summary>
public sealed partial class IdleMemoryTrim(IOptions<IdleMemoryTrimOptions> options, ILogger<IdleMemoryTrim> logger) : BackgroundService
{
    /// <summary>Allocation over a whole idle period below this still counts as idle (health probes, timers).</summary>
    private const long IdleAllocationBytes = 4L << 20;

    private const long MiB = 1L << 20;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (settings.IdleSeconds <= 0) return;
        var spell = new QuietSpell(IdleAllocationBytes, settings.MinimumSlackMiB * MiB);
        using var timer = new PeriodicTimer(settings.Idle);
        var allocated = GC.GetTotalAllocatedBytes();
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var now = GC.GetTotalAllocatedBytes();
            var last = GC.GetGCMemoryInfo();
            // What the last collection left committed, plus what the heap grew by since: the last collection of an
            // idle service may have run before the end of its burst, whose large objects then took memory after it.
            var committed = last.TotalCommittedBytes + Math.Max(0, GC.GetTotalMemory(forceFullCollection: false) - last.HeapSizeBytes);
            var slack = Math.Max(0, committed - (last.HeapSizeBytes - last.FragmentedBytes));
            var step = spell.Next(now - allocated, slack);
            switch (step)
            {
                case QuietSpellStep.Busy:
                    LogBusy((now - allocated) / MiB, settings.IdleSeconds);
                    break;
                case QuietSpellStep.TooLittleSlack:
                    LogNothingToGiveBack(slack / MiB);
                    break;
                case QuietSpellStep.TrimmedAlready:
                    LogTrimmedAlready();
                    break;
                case QuietSpellStep.Trim:
                    Trim(committed, slack);
                    // The collection and its log line are not the service's own allocation.
                    now = GC.GetTotalAllocatedBytes();
                    break;
            }
            allocated = now;
        }
    }

    private void Trim(long committed, long slack)
    {
        var workingSet = Environment.WorkingSet;
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        var trim = GC.GetGCMemoryInfo(GCKind.FullBlocking);
        LogTrimmed(trim.Index, trim.Compacted, slack / MiB, committed / MiB, trim.TotalCommittedBytes / MiB,
            workingSet / MiB, Environment.WorkingSet / MiB);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Idle: gave back memory a burst left, compacting collection #{Collection} " +
        "(compacted {Compacted}) with {SlackMiB} MiB beyond the live heap: GC committed {CommittedBeforeMiB} -> {CommittedAfterMiB} MiB, " +
        "working set {WorkingSetBeforeMiB} -> {WorkingSetAfterMiB} MiB")]
    private partial void LogTrimmed(long collection, bool compacted, long slackMiB, long committedBeforeMiB, long committedAfterMiB,
        long workingSetBeforeMiB, long workingSetAfterMiB);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Not idle: {AllocatedMiB} MiB allocated in the last {IdleSeconds} s")]
    private partial void LogBusy(long allocatedMiB, double idleSeconds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Idle, nothing to give back: {SlackMiB} MiB beyond the live heap")]
    private partial void LogNothingToGiveBack(long slackMiB);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Still idle; this quiet spell's memory was given back already")]
    private partial void LogTrimmedAlready();
}
