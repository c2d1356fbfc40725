using System.Collections.Concurrent;
using Gilmour.Proxy.Tests.Support;
using Gilmour.Testing;
using Xunit.Abstractions;

namespace Gilmour.Proxy.Tests.Fuzz;

/// <summary>A proxy with one healthy node holding a slot and a service, for the hostile calls to aim at.</summary>
public sealed class HostileInputFixture : ProxyFixture
{
    public string NodeId { get; private set; } = "";

    protected override async Task OnStartedAsync()
    {
        var node = await StartNodeAsync();
        NodeId = await Control.RegisterNodeAsync(node.Port,
            """{"slots":[{"topic":"fuzz.held.*","path":"/slot"}],"services":[{"topic":"fuzz.held","group":"g","path":"/service"}]}""");
    }
}

public sealed class HostileInputTests(HostileInputFixture proxy, ITestOutputHelper output) : IClassFixture<HostileInputFixture>
{
    private const int Calls = 10_000;
    private const int Seed = 20261128;

    [Fact]
    public async Task Ten_thousand_hostile_calls_get_4xx_answers_kill_nothing_and_change_nothing()
    {
        var before = await proxy.SnapshotAsync();
        var requests = new HostileRequests(Seed, proxy.NodeId).Take(Calls).ToList();
        var byStatus = new ConcurrentDictionary<int, int>();
        var wrong = new ConcurrentQueue<string>();
        using var http = new HttpClient { BaseAddress = proxy.Harness.Service(ProxyHarness.ControlApi).BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

        await Parallel.ForEachAsync(requests, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (request, ct) =>
        {
            Answer answer;
            try
            {
                answer = await http.CallAsync(request.Method, request.Path, request.Body, request.ContentType, cancellationToken: ct);
            }
            catch (HttpRequestException e)
            {
                // Kestrel may close a connection on a body over the limit once it has answered 413; anything else
                // (a reset, a refused connection) would mean the service died.
                wrong.Enqueue($"{request}: no answer ({e.Message})");
                byStatus.AddOrUpdate(0, 1, (_, n) => n + 1);
                return;
            }
            byStatus.AddOrUpdate(answer.Code, 1, (_, n) => n + 1);
            if (answer.Code is < 400 or >= 500 || (answer.Code != 404 && answer.Code != 405 && string.IsNullOrWhiteSpace(answer.StatusField)))
                wrong.Enqueue($"{request}: {answer.Code} {Short(answer.Raw)}");
        });

        output.WriteLine($"seed {Seed}: " + string.Join(", ", byStatus.OrderBy(p => p.Key).Select(p => $"{p.Key}: {p.Value}")));
        Assert.True(wrong.IsEmpty, $"{wrong.Count} of {Calls} calls were not refused with a 4xx {{status}} answer; first ones:\n" +
            string.Join("\n", wrong.Take(10)));
        Assert.All(proxy.Harness.Services, service => Assert.False(service.HasExited, $"{service.Name} died:\n{service.Output}"));
        foreach (var service in proxy.Harness.Services) await service.WaitHealthyAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(before, await proxy.SnapshotAsync());
    }

    private static string Short(string text) => text.Length <= 200 ? text : text[..200] + "...";
}
