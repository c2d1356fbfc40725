namespace Gilmour.Hosting.Redis;

/// <summary>
/// Turns the configured mode into the one to run. <see cref="RedisMode.Auto"/> never picks the container without
/// a healthy container runtime: with no Docker daemon Aspire's Redis container never starts, and every service that
/// waits for it hangs the whole app.
/// </summary>
public static class RedisModeSelection
{
    public const string ConfigurationKey = "Gilmour:Redis:Mode";

    /// <summary>Reads <see cref="ConfigurationKey"/>; absent or empty means <see cref="RedisMode.Auto"/>.</summary>
    public static RedisMode Parse(string? configured) =>
        string.IsNullOrWhiteSpace(configured) ? RedisMode.Auto
        : Enum.TryParse<RedisMode>(configured.Trim(), ignoreCase: true, out var mode) && Enum.IsDefined(mode) ? mode
        : throw new ArgumentException(
            $"{ConfigurationKey} is '{configured}'; use one of: {string.Join(", ", Enum.GetNames<RedisMode>().Select(n => n.ToLowerInvariant()))}");

    /// <param name="configured">What configuration asked for.</param>
    /// <param name="publishing">A publish (azd, manifest) describes the deployment, where Redis is a container.</param>
    /// <param name="containerRuntime">Null when no container runtime answered; else its description.</param>
    /// <param name="redisServerPath">Null when redis-server is not on the PATH; else its path.</param>
    /// <param name="containerRuntimeProblem">Why no runtime counts as healthy, for the log.</param>
    public static RedisChoice Choose(RedisMode configured, bool publishing, string? containerRuntime,
        string? redisServerPath, string containerRuntimeProblem = "no container runtime answered")
    {
        if (configured != RedisMode.Auto)
            return new RedisChoice(configured, $"{ConfigurationKey} is {configured.ToString().ToLowerInvariant()}");
        if (publishing)
            return new RedisChoice(RedisMode.Container, "publishing: the deployment runs Redis as a container");
        if (containerRuntime is not null)
            return new RedisChoice(RedisMode.Container, $"container runtime {containerRuntime} is healthy");
        if (redisServerPath is not null)
            return new RedisChoice(RedisMode.Executable, $"{containerRuntimeProblem}; redis-server found at {redisServerPath}");
        return new RedisChoice(RedisMode.Garnet, $"{containerRuntimeProblem} and redis-server is not on the PATH; using the embedded Garnet server");
    }
}
