using System.Reflection;
using Aspire.Hosting;

namespace Gilmour.Hosting;

/// <summary>
/// One of the proxy's own projects, found through the full path this library's build wrote into its assembly (see
/// Gilmour.Hosting.csproj). It plays the part of the <c>Projects.*</c> classes Aspire generates for an app host's
/// direct project references, so that an app host in another solution needs to reference only this library.
/// </summary>
internal abstract class ServiceProject(string projectName) : IProjectMetadata
{
    public string ProjectPath { get; } = typeof(ServiceProject).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .FirstOrDefault(a => a.Key == projectName)?.Value
        ?? throw new InvalidOperationException($"Gilmour.Hosting was built without the path of {projectName}; rebuild it from its project file.");

    /// <summary>Built with this library, so the orchestrator runs it without building it again.</summary>
    public bool SuppressBuild => true;
}

internal sealed class ControlApiProject() : ServiceProject("Gilmour.ControlApi") { }

internal sealed class DispatcherProject() : ServiceProject("Gilmour.Dispatcher") { }

internal sealed class HealthMonitorProject() : ServiceProject("Gilmour.HealthMonitor") { }

internal sealed class GarnetProject() : ServiceProject("Gilmour.Garnet") { }
