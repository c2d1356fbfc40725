using Garnet;

namespace Gilmour.Garnet;

/// <summary>Runs one Garnet server for the lifetime of the host; its log goes where the host's log goes.</summary>
public sealed class EmbeddedGarnet(GarnetArguments arguments, ILoggerFactory loggerFactory, ILogger<EmbeddedGarnet> logger) : IHostedService, IDisposable
{
    private GarnetServer? _server;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var args = arguments.ForServer();
        _server = new GarnetServer(args, loggerFactory);
        _server.Start();
        logger.LogInformation("Garnet accepts Redis connections ({Arguments})", string.Join(' ', args));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _server?.Dispose();
        _server = null;
    }
}
