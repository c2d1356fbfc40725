using Gilmour.Hosting.Redis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gilmour.AppHost.SampleNodes;

/// <summary>Where a sample node's sources are: a folder at the repository root, beside the app host.</summary>
public sealed record SampleNodeFolder(string RepositoryRoot, string Path)
{
    public static SampleNodeFolder Of(IDistributedApplicationBuilder builder, string folder)
    {
        var root = System.IO.Path.GetFullPath(System.IO.Path.Combine(builder.AppHostDirectory, ".."));
        return new SampleNodeFolder(root, System.IO.Path.Combine(root, folder));
    }

    public string Dockerfile => System.IO.Path.Combine(Path, "Dockerfile");

    /// <summary>
    /// Whether the node can be part of this app: its folder exists and, for a local run, the programs it needs are on
    /// the PATH. A node left out is named in the app host's log with the reason, and the rest of the app runs.
    /// </summary>
    public bool CanRun(IDistributedApplicationBuilder builder, params string[] programs)
    {
        var name = System.IO.Path.GetFileName(Path);
        string? missing = !Directory.Exists(Path) ? $"{Path} does not exist"
            : builder.ExecutionContext.IsPublishMode ? null
            : programs.FirstOrDefault(p => ExecutableSearch.OnPath(p) is null) is { } program ? $"{program} is not on the PATH"
            : null;
        if (missing is null) return true;
        builder.Eventing.Subscribe<BeforeStartEvent>((started, _) =>
        {
            started.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Gilmour.AppHost")
                .LogInformation("Sample node {Folder} left out: {Reason}", name, missing);
            return Task.CompletedTask;
        });
        return false;
    }
}
