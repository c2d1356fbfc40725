using System.Text;
using Gilmour.Protocol;
using Gilmour.Registry;
using StackExchange.Redis;

namespace Gilmour.Proxy.Tests.Support;

/// <summary>
/// Every key of the proxy's registry (all <c>gilmour.proxy.*</c> keys) and <c>gilmour.known_host.health</c>, read
/// value by value into one canonical text, so that "nothing changed" is one string comparison.
/// </summary>
public static class RegistrySnapshot
{
    public static async Task<string> TakeAsync(IConnectionMultiplexer redis)
    {
        var server = redis.GetServers()[0];
        var database = redis.GetDatabase();
        var keys = new List<string>();
        await foreach (var key in server.KeysAsync(pattern: RegistryKeys.Prefix + "*", pageSize: 1000))
            keys.Add(key.ToString());
        // The HealthMonitor's lease is renewed on its own schedule; it is coordination, not registry.
        keys.Remove(RegistryKeys.HealthMonitorLease);
        // Written once by the first dispatcher round, whenever that runs: a marker of the data set, not registry.
        keys.Remove(RegistryKeys.Generation);
        keys.Add(Channels.KnownHostHealth);
        keys.Sort(StringComparer.Ordinal);

        var text = new StringBuilder();
        foreach (var key in keys)
        {
            var type = await database.KeyTypeAsync(key);
            text.Append(key).Append(" (").Append(type).Append("): ");
            switch (type)
            {
                case RedisType.String:
                    text.Append(await database.StringGetAsync(key));
                    break;
                case RedisType.Set:
                    text.AppendJoin(", ", (await database.SetMembersAsync(key)).Select(m => m.ToString()).Order(StringComparer.Ordinal));
                    break;
                case RedisType.Hash:
                    text.AppendJoin(", ", (await database.HashGetAllAsync(key)).Select(e => $"{e.Name}={e.Value}").Order(StringComparer.Ordinal));
                    break;
                case RedisType.List:
                    text.AppendJoin(", ", await database.ListRangeAsync(key));
                    break;
                case RedisType.None:
                    break;
                default:
                    text.Append("unexpected type");
                    break;
            }
            text.AppendLine();
        }
        return text.ToString();
    }
}
