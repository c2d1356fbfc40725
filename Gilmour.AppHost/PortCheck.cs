using System.Net;
using System.Net.Sockets;
using Gilmour.Hosting;
using Microsoft.Extensions.Configuration;

namespace Gilmour.AppHost;

/// <summary>
/// Before the app host starts anything: are the fixed local ports it needs free? A second app host started by
/// mistake, or another program on port 5080, otherwise ends in a long stack trace that hides "address already in
/// use". One line says which port, what it is for, and what to do.
/// </summary>
public static class PortCheck
{
    /// <summary>Writes the line to standard error and exits with code 1 when a port is taken; returns otherwise.</summary>
    public static void ExitIfTaken(IConfiguration configuration)
    {
        // Only a run of the app host itself: under a test host, exiting would end the test process, and the tests
        // choose their own ports.
        if (System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name != "Gilmour.AppHost") return;
        if (Clash(configuration) is not { } line) return;
        Console.Error.WriteLine(line);
        Environment.Exit(1);
    }

    /// <summary>The line naming the first fixed port that is in use, or null when every one is free.</summary>
    public static string? Clash(IConfiguration configuration)
    {
        foreach (var (uri, purpose, remedy) in FixedEndpoints(configuration))
            if (IsTaken(uri))
                return $"Gilmour app host: port {uri.Port} on {uri.Host} ({purpose}) is already in use; another app host may be " +
                    $"running. Stop it, or {remedy}.";
        return null;
    }

    private static IEnumerable<(Uri Uri, string Purpose, string Remedy)> FixedEndpoints(IConfiguration configuration)
    {
        const string launchSettings = "change it in Gilmour.AppHost/Properties/launchSettings.json";
        foreach (var uri in Urls(configuration["ASPNETCORE_URLS"]))
            yield return (uri, "the dashboard", launchSettings + " (applicationUrl)");
        foreach (var key in new[] { "ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL", "ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL" })
            foreach (var uri in Urls(configuration[key]))
                yield return (uri, "the dashboard's telemetry endpoint", $"{launchSettings} ({key})");
        foreach (var uri in Urls(configuration["ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL"]))
            yield return (uri, "the dashboard's resource service", $"{launchSettings} (ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL)");
        if (GilmourSettings.ControlApiPort(configuration) is { } port)
            yield return (new Uri($"http://localhost:{port}"), $"the control API, {GilmourSettings.ControlApiSection}:{GilmourSettings.PortKey}",
                $"set {GilmourSettings.ControlApiSection}:{GilmourSettings.PortKey} to another port (0 lets the orchestrator choose)");
    }

    /// <summary>The URLs of a setting such as "http://localhost:18888;https://localhost:18889"; port 0 means any port, never taken.</summary>
    private static IEnumerable<Uri> Urls(string? setting) =>
        (setting ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(text => Uri.TryCreate(text.Replace("://*", "://0.0.0.0").Replace("://+", "://0.0.0.0"), UriKind.Absolute, out var uri) ? uri : null)
            .OfType<Uri>()
            .Where(uri => uri.Port > 0);

    private static bool IsTaken(Uri uri)
    {
        IPAddress[] addresses = uri.Host switch
        {
            "localhost" => Socket.OSSupportsIPv6 ? [IPAddress.Loopback, IPAddress.IPv6Loopback] : [IPAddress.Loopback],
            _ when IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) => [address],
            // A name this machine must resolve: Kestrel fails on it in its own words.
            _ => [],
        };
        foreach (var address in addresses)
        {
            try
            {
                using var listener = new TcpListener(address, uri.Port);
                listener.Start();
                listener.Stop();
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied)
            {
                return true;
            }
            catch (SocketException)
            {
                // No such address here (IPv6 switched off, say): nothing can clash on it.
            }
        }
        return false;
    }
}
