namespace Gilmour.Proxy.Tests.Observability;

/// <summary>
/// The test classes that host services inside the test process, run one after another. Every host creates the same
/// meters (gilmour.redis.reconnects, ...), and an OpenTelemetry MeterProvider listens to meters by name across the
/// whole process: with two hosts alive at once, one host's provider may export the other's instrument and drop its
/// own as a duplicate. A service process holds one host, so this is the tests' concern only.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class InProcessHosts
{
    public const string Name = "services hosted in the test process";
}
