namespace Gilmour.Hosting;

/// <summary>
/// Runtime settings every Gilmour service runs with, wherever the app host starts or deploys it. The test and
/// benchmark harness compiles this file too, so that what they measure is what the app host runs.
/// </summary>
public static class ServiceRuntime
{
    /// <summary>
    /// How the GC sizes the services' heaps. Left to itself the workstation GC grows its young-generation budget to
    /// tens of MiB under load and keeps that memory resident once the load stops; a service's per-message garbage dies
    /// young, so a 4 MiB budget costs no throughput. Only the environment can set that one: the runtime reads no
    /// runtimeconfig.json key for it. README has the figures of both settings.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> Environment = new Dictionary<string, string>
    {
        ["DOTNET_GCgen0size"] = "0x400000",
        // The GC keeps the heap small at the price of more frequent collections, and compacts the large-object heap
        // when it is too fragmented instead of growing it: large messages leave it full of holes, which under load
        // would otherwise double a service's peak memory.
        ["DOTNET_GCConserveMemory"] = "7",
    };
}
