using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using StackExchange.Redis;

namespace Gilmour.Testing;

/// <summary>When a Sentinel announced a new primary (<c>+switch-master</c>), on the <see cref="Stopwatch"/> clock.</summary>
public sealed record PrimarySwitch(long Timestamp, int NewPrimaryPort);

/// <summary>
/// When the primary was killed, on the <see cref="Stopwatch"/> clock: after <see cref="Before"/> (just before the
/// signal was sent) and by <see cref="After"/> (its exit was seen). On a loaded machine the two can be far apart.
/// </summary>
public sealed record PrimaryKill(long Before, long After)
{
    /// <summary>Sent before the primary was surely dead and answered after it may have died: in flight at the kill.</summary>
    public bool Caught(long sent, long answered) => sent <= After && answered >= Before;
}

/// <summary>
/// A Redis deployment with high availability, all real processes on loopback: a primary, its replicas and three
/// Sentinels (<c>redis-server &lt;conf&gt; --sentinel</c>) watching it as <see cref="ServiceName"/>. Each server has a
/// temp directory of its own (a replica writes there while it syncs; a Sentinel rewrites its own config file).
/// Disposing kills everything and deletes the directories.
/// </summary>
public sealed class SentinelCluster : IAsyncDisposable
{
    public const string ServiceName = "mymaster";

    /// <summary>How long a primary must not answer before a Sentinel calls it down: one second, so tests fail over fast.</summary>
    public const int DownAfterMilliseconds = 1000;

    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("gilmour-sentinel-");
    private readonly List<RedisServer> _servers = [];
    private readonly List<Process> _sentinels = [];
    private readonly List<int> _sentinelPorts = [];
    private readonly List<TcpClient> _watchers = [];
    private readonly TaskCompletionSource<PrimarySwitch> _switched = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private SentinelCluster() { }

    /// <summary>The primary the deployment started with.</summary>
    public RedisServer Primary => _servers[0];

    /// <summary>The replicas the deployment started with.</summary>
    public IReadOnlyList<RedisServer> Replicas => _servers.Skip(1).ToList();

    public IReadOnlyList<int> SentinelPorts => _sentinelPorts;

    /// <summary>What a service is given to follow the primary through the Sentinels.</summary>
    public string ConnectionString => ConnectionStringFor(_sentinelPorts);

    /// <summary>The first <c>+switch-master</c> any Sentinel published after the deployment was ready.</summary>
    public Task<PrimarySwitch> Switched => _switched.Task;

    /// <summary>Starts the primary, <paramref name="replicas"/> replicas and <paramref name="sentinels"/> Sentinels, and
    /// returns once every Sentinel knows every replica and every other Sentinel (so a failover can be agreed).</summary>
    /// <param name="replicas">How many replicas the primary starts with.</param>
    /// <param name="sentinels">How many Sentinels watch it.</param>
    /// <param name="sentinelPorts">The Sentinels' ports, when a test named them before (free ones otherwise).</param>
    public static async Task<SentinelCluster> StartAsync(int replicas = 1, int sentinels = 3, IReadOnlyList<int>? sentinelPorts = null)
    {
        var cluster = new SentinelCluster();
        try
        {
            await cluster.StartServersAsync(replicas);
            for (var i = 0; i < sentinels; i++) cluster.StartSentinel(sentinelPorts?[i] ?? FreePort.Next(), quorum: sentinels / 2 + 1);
            await cluster.WaitReadyAsync(replicas, sentinels, TimeSpan.FromSeconds(60));
            await cluster.WatchSwitchesAsync();
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
        return cluster;
    }

    /// <summary>SIGKILLs the primary and waits for its exit.</summary>
    public async Task<PrimaryKill> KillPrimaryAsync()
    {
        var before = Stopwatch.GetTimestamp();
        await Primary.StopAsync();
        return new PrimaryKill(before, Stopwatch.GetTimestamp());
    }

    /// <summary>Opens a multiplexer through the Sentinels, as a service does; the caller disposes it.</summary>
    public Task<ConnectionMultiplexer> ConnectAsync(Action<ConfigurationOptions>? configure = null)
    {
        var options = ConfigurationOptions.Parse(ConnectionString);
        configure?.Invoke(options);
        return ConnectionMultiplexer.ConnectAsync(options);
    }

    /// <summary>Opens a plain multiplexer on one server of the deployment (AllowAdmin); the caller disposes it.</summary>
    public static Task<ConnectionMultiplexer> ConnectToAsync(int port) =>
        ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions
        {
            EndPoints = { { "127.0.0.1", port } },
            AbortOnConnectFail = false,
            ConnectTimeout = 2000,
            AllowAdmin = true,
        });

    public async ValueTask DisposeAsync()
    {
        foreach (var watcher in _watchers) watcher.Dispose();
        foreach (var sentinel in _sentinels)
        {
            try
            {
                if (!sentinel.HasExited) sentinel.Kill(entireProcessTree: true);
                await sentinel.WaitForExitAsync();
            }
            catch (InvalidOperationException) { }
            sentinel.Dispose();
        }
        foreach (var server in _servers) await server.StopAsync();
        try
        {
            _root.Delete(recursive: true);
        }
        catch (IOException) { }
    }

    private async Task StartServersAsync(int replicas)
    {
        var primary = new RedisServer { ExtraArguments = ["--dir", Subdirectory("primary")] };
        _servers.Add(primary);
        await primary.StartAsync();
        for (var i = 0; i < replicas; i++)
        {
            var replica = new RedisServer
            {
                ExtraArguments = ["--dir", Subdirectory($"replica{i + 1}"), "--replicaof", "127.0.0.1", primary.Port.ToString()],
            };
            _servers.Add(replica);
            await replica.StartAsync();
        }
    }

    /// <summary>The connection string of Sentinels on <paramref name="ports"/>, before they run.</summary>
    public static string ConnectionStringFor(IEnumerable<int> ports) =>
        string.Join(",", ports.Select(port => $"127.0.0.1:{port}")) + $",serviceName={ServiceName},abortConnect=false";

    private void StartSentinel(int port, int quorum)
    {
        var directory = Subdirectory($"sentinel{_sentinels.Count + 1}");
        var config = Path.Combine(directory, "sentinel.conf");
        // failover-timeout is also how long Sentinels wait before trying again after a failover attempt failed.
        File.WriteAllText(config, $"""
            port {port}
            bind 127.0.0.1
            protected-mode no
            dir {directory}
            sentinel monitor {ServiceName} 127.0.0.1 {Primary.Port} {quorum}
            sentinel down-after-milliseconds {ServiceName} {DownAfterMilliseconds}
            sentinel failover-timeout {ServiceName} 10000
            sentinel parallel-syncs {ServiceName} 1

            """);
        var info = new ProcessStartInfo("redis-server")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(config);
        info.ArgumentList.Add("--sentinel");
        var process = Process.Start(info) ?? throw new InvalidOperationException("redis-server --sentinel did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _sentinels.Add(process);
        _sentinelPorts.Add(port);
    }

    private async Task WaitReadyAsync(int replicas, int sentinels, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        var options = new ConfigurationOptions { AbortOnConnectFail = false, ConnectTimeout = 2000 };
        foreach (var port in _sentinelPorts) options.EndPoints.Add(IPAddress.Loopback, port);
        await using var connection = await ConnectionMultiplexer.SentinelConnectAsync(options);
        var describe = "";
        while (true)
        {
            if (await ReadyAsync(connection, replicas, sentinels, d => describe = d)) return;
            foreach (var sentinel in _sentinels)
                if (sentinel.HasExited) throw new InvalidOperationException($"a Sentinel exited with code {sentinel.ExitCode}");
            if (DateTime.UtcNow >= deadline) throw new TimeoutException($"the Sentinels were not ready within {limit}: {describe}");
            await Task.Delay(100);
        }
    }

    private async Task<bool> ReadyAsync(ConnectionMultiplexer connection, int replicas, int sentinels, Action<string> describe)
    {
        foreach (var port in _sentinelPorts)
        {
            try
            {
                var server = connection.GetServer(IPAddress.Loopback, port);
                var known = await server.SentinelReplicasAsync(ServiceName);
                var healthy = known.Count(fields => fields.Any(f => f.Key == "flags" && f.Value == "slave")
                    && fields.Any(f => f.Key == "master-link-status" && f.Value == "ok"));
                var peers = (await server.SentinelSentinelsAsync(ServiceName)).Length;
                if (healthy < replicas || peers < sentinels - 1)
                {
                    describe($"Sentinel {port} knows {healthy} of {replicas} replicas and {peers} of {sentinels - 1} other Sentinels");
                    return false;
                }
            }
            // A Sentinel that does not answer yet (still starting, or slow on a busy machine) is not ready: ask again
            // until the caller's limit. A timeout is not a RedisException in StackExchange.Redis.
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                describe($"Sentinel {port}: {e.Message}");
                return false;
            }
        }
        return true;
    }

    private async Task WatchSwitchesAsync()
    {
        // A plain RESP subscription per Sentinel: whichever announces the switch first gives its moment.
        foreach (var port in _sentinelPorts)
        {
            var tcp = new TcpClient { NoDelay = true };
            await tcp.ConnectAsync(IPAddress.Loopback, port);
            _watchers.Add(tcp);
            var stream = tcp.GetStream();
            await stream.WriteAsync("SUBSCRIBE +switch-master\r\n"u8.ToArray());
            _ = Task.Run(() => ReadSwitchesAsync(new StreamReader(stream, Encoding.ASCII)));
        }
    }

    private async Task ReadSwitchesAsync(StreamReader reader)
    {
        try
        {
            // Every line of the replies; the message's payload is "<name> <old ip> <old port> <new ip> <new port>".
            while (await reader.ReadLineAsync() is { } line)
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length == 5 && parts[0] == ServiceName && int.TryParse(parts[4], out var newPort))
                    _switched.TrySetResult(new PrimarySwitch(Stopwatch.GetTimestamp(), newPort));
            }
        }
        catch (IOException) { }
        catch (ObjectDisposedException) { }
    }

    private string Subdirectory(string name) => _root.CreateSubdirectory(name).FullName;
}
