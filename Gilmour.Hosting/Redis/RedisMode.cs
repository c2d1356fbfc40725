namespace Gilmour.Hosting.Redis;

/// <summary>Where the Redis the services share comes from (configuration key <c>Gilmour:Redis:Mode</c>).</summary>
public enum RedisMode
{
    /// <summary>Container if a container runtime answers, else redis-server if installed, else Garnet.</summary>
    Auto,

    /// <summary>Aspire's Redis container (Aspire.Hosting.Redis); needs a running Docker or Podman.</summary>
    Container,

    /// <summary>A local <c>redis-server</c> process on a port the orchestrator chooses.</summary>
    Executable,

    /// <summary>Microsoft Garnet, a Redis-compatible server written in .NET, in the Gilmour.Garnet process.</summary>
    Garnet,

    /// <summary>An existing Redis named by <c>ConnectionStrings:redis</c>.</summary>
    External,
}
