using System.Net;
using Gilmour.Proxy.Tests.Support;
using Gilmour.Protocol;
using Gilmour.Testing;
using static Gilmour.Proxy.Tests.Dispatcher.DeliveryTests;

namespace Gilmour.Proxy.Tests.Dispatcher;

/// <summary>Dispatchers that die, stop, or run as several replicas. Each test owns its proxy.</summary>
public sealed class DispatcherLifecycleTests
{
    [Fact]
    public async Task Killed_dispatcher_is_replaced_and_every_subscription_comes_back()
    {
        await using var proxy = await ProxyHarness.StartAsync();
        await using var bus = await BusProbe.ConnectAsync(proxy.Redis);
        await using var node = await TestNode.StartAsync();
        var service = DeliveryProxy.Topic("survivor");
        var slot = DeliveryProxy.Topic("survivor-slot");
        var id = await proxy.Control.RegisterNodeAsync(node.Port, $"{Service(service, "/s")},{Slot(slot, "/t")}");
        Assert.Equal(1, await bus.ListenersAsync(Channels.Request(service)));

        await proxy.Service(ProxyHarness.Dispatcher).KillAsync();
        await bus.ListenersBecomeAsync(Channels.Request(service), 0, logs: () => proxy.Logs);
        await proxy.StartServiceAsync(ProxyHarness.Dispatcher);

        await bus.ListenersBecomeAsync(Channels.Request(service), 1, logs: () => proxy.Logs);
        await bus.ListenersBecomeAsync(Channels.Slot(slot), 1, logs: () => proxy.Logs);
        var reply = await bus.RequestAsync(service, "\"again\"");
        Assert.Equal((200, "again"), (reply.Code, reply.Data.GetString()));
        var listed = await proxy.Control.CallAsync(HttpMethod.Get, "/nodes");
        var entry = Assert.Single(listed.Body.GetProperty("nodes").EnumerateArray());
        Assert.Equal((id, "ok"), (entry.GetProperty("id").GetString(), entry.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task Dispatcher_and_HealthMonitor_started_while_Redis_is_down_wait_for_it_and_then_work()
    {
        await using var redis = new RedisServer();
        int[] ports = [FreePort.Next(), FreePort.Next()];
        var services = new List<Task<ServiceProcess>>
        {
            ServiceProcess.StartAsync(ProxyHarness.Dispatcher, redis.ConnectionString, HealthMonitor.HealthProxy.Settings, ports[0]),
            ServiceProcess.StartAsync(ProxyHarness.HealthMonitor, redis.ConnectionString, HealthMonitor.HealthProxy.Settings, ports[1]),
        };
        try
        {
            // Redis stays away until each service is up and has seen it missing in three health checks in a row: by
            // then a service that gives up or crashes on it has done so.
            await Task.WhenAll(ports.Select(port => SeesRedisMissingAsync(port, times: 3)));
            Assert.DoesNotContain(services, service => service.IsFaulted);
            await redis.StartAsync();
            services.Add(ServiceProcess.StartAsync(ProxyHarness.ControlApi, redis.ConnectionString));
            var started = await Task.WhenAll(services);

            await using var bus = await BusProbe.ConnectAsync(redis);
            await using var node = await TestNode.StartAsync();
            using var control = new HttpClient { BaseAddress = started[2].BaseAddress };
            var topic = DeliveryProxy.Topic("late-redis");
            var id = await control.RegisterNodeAsync(node.Port, Service(topic, "/s"));
            Assert.Equal(200, (await bus.RequestAsync(topic, "{}")).Code);
            node.HealthStatus = 500;
            await bus.StatusBecomesAsync(id, Registry.NodeStatus.Unavailable);
            await bus.ListenersBecomeAsync(Channels.Request(topic), 0);
        }
        finally
        {
            // Even after a failed assertion every process started here is waited for and stopped.
            await redis.StartAsync();
            foreach (var service in services)
            {
                try
                {
                    await (await service).DisposeAsync();
                }
                catch (Exception e) when (e is InvalidOperationException or TimeoutException)
                {
                    // It never came up; its failure is the test's.
                }
            }
        }
    }

    /// <summary>Waits until the service on <paramref name="port"/> answers /health 503 <paramref name="times"/> times in a row.</summary>
    private static async Task SeesRedisMissingAsync(int port, int times)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
        var inARow = 0;
        var last = "no answer yet";
        await Eventually.HoldsAsync(async () =>
        {
            try
            {
                using var health = await http.GetAsync("/health");
                last = $"{(int)health.StatusCode}";
                inARow = health.StatusCode == HttpStatusCode.ServiceUnavailable ? inARow + 1 : 0;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                last = e.Message;
                inARow = 0;
            }
            return inARow >= times;
        }, ServiceProcess.ReadyWithin, () => $"port {port}: /health never said 503 {times} times in a row while Redis was away (last: {last})");
    }

    [Fact]
    public async Task Dispatcher_resubscribes_after_its_Redis_connections_are_cut()
    {
        await using var proxy = await ProxyHarness.StartAsync();
        await using var bus = await BusProbe.ConnectAsync(proxy.Redis);
        await using var node = await TestNode.StartAsync();
        var service = DeliveryProxy.Topic("cut");
        var id = await proxy.Control.RegisterNodeAsync(node.Port, Service(service, "/s"));

        // What a network blip or a Redis failover does to every subscriber at once.
        await using (var admin = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync($"{proxy.Redis.ConnectionString},allowAdmin=true"))
            Assert.True((long)await admin.GetServers()[0].ExecuteAsync("CLIENT", "KILL", "TYPE", "pubsub") >= 2);

        await bus.ListenersBecomeAsync(Channels.Request(service), 1, logs: () => proxy.Logs);
        await Eventually.HoldsAsync(async () => (await bus.RequestAsync(service, "{}")).Code == 200, TimeSpan.FromSeconds(15), () => proxy.Logs);
        var slot = DeliveryProxy.Topic("cut-slot");
        var added = await ProxyCalls.PostAsync(proxy.Control, $"/nodes/{id}/slots", $$"""{"topic":"{{slot}}","path":"/t"}""");
        Assert.True(added.Status == HttpStatusCode.OK, added.ToString());
        await bus.ListenersBecomeAsync(Channels.Slot(slot), 1, logs: () => proxy.Logs);
    }

    [Fact]
    public async Task Terminated_dispatcher_stops_taking_messages_and_finishes_its_running_delivery_before_exiting()
    {
        await using var proxy = await ProxyHarness.StartAsync();
        await using var bus = await BusProbe.ConnectAsync(proxy.Redis);
        await using var node = await TestNode.StartAsync();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        node.Handle("/long", async (_, _) =>
        {
            await release.Task;
            return new NodeAnswer(200, "\"drained\"");
        });
        var topic = DeliveryProxy.Topic("draining");
        await proxy.Control.RegisterNodeAsync(node.Port, Service(topic, "/long", timeout: 30));
        var dispatcher = proxy.Service(ProxyHarness.Dispatcher);

        var request = bus.RequestAsync(topic, "{}", TimeSpan.FromSeconds(30));
        await node.WaitForDeliveriesAsync("/long", 1);
        var termination = dispatcher.TerminateAsync(TimeSpan.FromSeconds(30));
        await bus.ListenersBecomeAsync(Channels.Request(topic), 0, logs: () => proxy.Logs);
        Assert.False(dispatcher.HasExited, "the dispatcher exited with a delivery still running");
        release.SetResult();

        var reply = await request;
        Assert.Equal((200, "drained"), (reply.Code, reply.Data.GetString()));
        await termination;
        Assert.True(dispatcher.HasExited);
    }

    [Fact]
    public async Task Two_dispatcher_replicas_deliver_each_message_once_and_one_alone_carries_on()
    {
        await using var proxy = await ProxyHarness.StartAsync();
        var second = await proxy.StartServiceAsync(ProxyHarness.Dispatcher);
        await using var bus = await BusProbe.ConnectAsync(proxy.Redis);
        await using var node = await TestNode.StartAsync();
        var slot = DeliveryProxy.Topic("replicated-slot");
        var service = DeliveryProxy.Topic("replicated");
        await proxy.Control.RegisterNodeAsync(node.Port, $"{Slot(slot, "/t")},{Service(service, "/s")}");
        // Both replicas hold the node's subscriptions (the registration waited for the first of them only).
        await bus.ListenersBecomeAsync(Channels.Slot(slot), 2, logs: () => proxy.Logs);
        await bus.ListenersBecomeAsync(Channels.Request(service), 2, logs: () => proxy.Logs);

        await using var monitor = await RedisMonitor.StartAsync(proxy.Redis.Port);
        var senders = new List<string>();
        for (var i = 0; i < 40; i++) senders.Add(await bus.SignalAsync(slot, $"{i}"));
        var replies = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => bus.RequestAsync(service, $"{i}")));
        await node.WaitForDeliveriesAsync("/t", 40);
        // A duplicate would come from the replica that lost: once both have asked Redis for every message's lock or
        // claim (SET ... NX), each has decided whether to deliver, and no duplicate can come any more.
        var delivered = node.DeliveriesTo("/t").Concat(node.DeliveriesTo("/s")).Select(d => d.Body.GetProperty("sender").GetString()!).ToList();
        await Eventually.HoldsAsync(() => delivered.All(sender => monitor.Commands.Count(c => IsClaim(c, sender)) >= 2), TimeSpan.FromSeconds(30),
            () => $"not every message was claimed by both replicas:\n{string.Join("\n", monitor.Commands.Where(c => c.Contains("\"SET\"", StringComparison.OrdinalIgnoreCase)).Take(20))}");

        Assert.All(replies, reply => Assert.Equal(200, reply.Code));
        Assert.Equal(senders.Order(), node.DeliveriesTo("/t").Select(d => d.Body.GetProperty("sender").GetString()!).Order());
        Assert.Equal(40, node.DeliveriesTo("/s").Select(d => d.Body.GetProperty("sender").GetString()).Distinct().Count());
        Assert.Equal(40, node.DeliveriesTo("/s").Count);

        await second.KillAsync();
        await bus.ListenersBecomeAsync(Channels.Slot(slot), 1, logs: () => proxy.Logs);
        var late = await bus.SignalAsync(slot, "\"after\"");
        var deliveredLate = await node.WaitForDeliveriesAsync("/t", 41);
        Assert.Equal(late, deliveredLate.Last().Body.GetProperty("sender").GetString());
        Assert.Equal(200, (await bus.RequestAsync(service, "{}")).Code);
    }

    /// <summary>A SET ... NX of a key naming <paramref name="sender"/>: an exclusion lock or an ungrouped slot's claim.</summary>
    private static bool IsClaim(string command, string sender) =>
        command.Contains("\"SET\"", StringComparison.OrdinalIgnoreCase) && command.Contains(sender, StringComparison.Ordinal)
        && command.Contains("\"NX\"", StringComparison.OrdinalIgnoreCase);
}
