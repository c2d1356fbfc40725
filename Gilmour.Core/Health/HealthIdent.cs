using Gilmour.Failover;
using Gilmour.Protocol;
using StackExchange.Redis;

namespace Gilmour.Health;

/// <summary>
/// The ident under which a Gilmour process answers health pings, and its entry in
/// <c>gilmour.known_host.health</c>, where monitors find the idents to ping.
/// </summary>
public static class HealthIdent
{
    /// <summary>The value Go writes for a registered ident (Ruby writes "active"; monitors only read the keys).</summary>
    public const string RegisteredValue = "true";

    /// <summary>A fresh ident, <c>&lt;hostname&gt;-pid-&lt;pid&gt;-uuid-&lt;uuid&gt;</c> as both libraries make it.</summary>
    public static string New() => $"{Environment.MachineName}-pid-{Environment.ProcessId}-uuid-{Guid.NewGuid()}";

    /// <summary><c>HSET gilmour.known_host.health &lt;ident&gt; true</c>.</summary>
    public static Task RegisterAsync(IDatabaseAsync redis, string ident) =>
        redis.HashSetAsync(Channels.KnownHostHealth, ident, RegisteredValue, When.Always, RedisPrimary.Only);

    /// <summary><c>HDEL gilmour.known_host.health &lt;ident&gt;</c>.</summary>
    public static Task UnregisterAsync(IDatabaseAsync redis, string ident) =>
        redis.HashDeleteAsync(Channels.KnownHostHealth, ident, RedisPrimary.Only);
}
