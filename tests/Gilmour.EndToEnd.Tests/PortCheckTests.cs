using System.Net;
using System.Net.Sockets;
using Gilmour.AppHost;
using Gilmour.Testing;
using Microsoft.Extensions.Configuration;

namespace Gilmour.EndToEnd.Tests;

/// <summary>The app host's check, before it starts anything, that the fixed local ports it needs are free.</summary>
public sealed class PortCheckTests
{
    [Fact]
    public void A_taken_control_api_port_is_named_in_one_line_with_the_setting_to_change()
    {
        using var taken = Occupy(out var port);

        var line = PortCheck.Clash(Settings(("Gilmour:ControlApi:Port", port.ToString())));

        Assert.Equal($"Gilmour app host: port {port} on localhost (the control API, Gilmour:ControlApi:Port) is already in use; another " +
            "app host may be running. Stop it, or set Gilmour:ControlApi:Port to another port (0 lets the orchestrator choose).", line);
    }

    [Fact]
    public void A_taken_dashboard_port_is_named_too()
    {
        using var taken = Occupy(out var port);
        var free = FreePort.Next();

        var line = PortCheck.Clash(Settings(("ASPNETCORE_URLS", $"http://localhost:{port}"),
            ("ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL", $"http://localhost:{free}"), ("Gilmour:ControlApi:Port", "0")));

        Assert.NotNull(line);
        Assert.StartsWith($"Gilmour app host: port {port} on localhost (the dashboard)", line);
        Assert.DoesNotContain('\n', line);
    }

    [Fact]
    public void Free_ports_and_a_port_left_to_the_orchestrator_pass()
    {
        var line = PortCheck.Clash(Settings(("ASPNETCORE_URLS", $"http://localhost:{FreePort.Next()}"), ("Gilmour:ControlApi:Port", "0")));

        Assert.Null(line);
    }

    private static TcpListener Occupy(out int port)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        port = ((IPEndPoint)listener.LocalEndpoint).Port;
        return listener;
    }

    private static IConfiguration Settings(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();
}
