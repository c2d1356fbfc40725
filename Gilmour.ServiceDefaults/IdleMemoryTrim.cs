using System.Runtime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

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
/// large-object heap by hundreds of MiB (16 concurrent 1 MB requests left ControlApi at 460 MiB and Dispatcher at
/// 550 MiB), and an idle process allocates nothing, so no collection ever runs that would return it. After
/// <see cref="IdleMemoryTrimOptions.IdleSeconds"/> with almost no allocation, one compacting full collection in
/// aggressive mode decommits it; it runs once per quiet spell, and never under load.
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
        using var timer = new PeriodicTimer(settings.Idle);
        var allocated = GC.GetTotalAllocatedBytes();
        var trimmedSinceLastLoad = false;
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var now = GC.GetTotalAllocatedBytes();
            var idle = now - allocated < IdleAllocationBytes;
            allocated = now;
            if (!idle)
            {
                trimmedSinceLastLoad = false;
                continue;
            }
            if (trimmedSinceLastLoad || Slack() < settings.MinimumSlackMiB * MiB) continue;

            var before = Environment.WorkingSet;
            GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            trimmedSinceLastLoad = true;
            allocated = GC.GetTotalAllocatedBytes();
            LogTrimmed(before / MiB, Environment.WorkingSet / MiB);
        }
    }

    /// <summary>Memory the GC holds beyond what the last collection found alive.</summary>
    private static long Slack()
    {
        var info = GC.GetGCMemoryInfo();
        return info.TotalCommittedBytes - (info.HeapSizeBytes - info.FragmentedBytes);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Idle: gave back memory a burst left, working set {BeforeMiB} MiB -> {AfterMiB} MiB")]
    private partial void LogTrimmed(long beforeMiB, long afterMiB);
}
