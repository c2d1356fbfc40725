namespace Gilmour.Hosting;

/// <summary>
/// Runtime settings every Gilmour service runs with, wherever the app host starts or deploys it. The test and
/// benchmark harness compiles this file too, so that what they measure is what the app host runs.
/// </summary>
public static class ServiceRuntime
{
    /// <summary>
    /// The GC's young-generation budget, 4 MiB. Left to itself the workstation GC grows it to tens of MiB under
    /// load and keeps that memory resident once the load stops (benchmark: ControlApi 207 MiB, Dispatcher 177 MiB
    /// idle after a burst; 132–145 and 104–111 with this). A service's per-message garbage dies young, so a small budget
    /// costs no throughput. Only the environment can set it: the runtime reads no runtimeconfig.json key for it.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> Environment = new Dictionary<string, string>
    {
        ["DOTNET_GCgen0size"] = "0x400000",
    };
}
