using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace Gilmour.Hosting;

/// <summary>
/// Which admin key the bus runs with when the app host names none: a deployment always runs secured, a local run
/// only when the user set a key.
/// </summary>
internal static class ApiKeyChoice
{
    /// <summary>The secret parameter's name for a bus called <paramref name="busName"/>, e.g. <c>gilmour-api-key</c>.</summary>
    public static string ParameterName(string busName) => $"{busName}-api-key";

    public static IResourceBuilder<ParameterResource>? Default(IDistributedApplicationBuilder builder, string busName)
    {
        var name = ParameterName(busName);
        if (builder.ExecutionContext.IsPublishMode)
            // The deploying tool (azd) generates the key once and keeps it with the environment's other secrets.
            return builder.AddParameter(name, new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true);
        if (!string.IsNullOrWhiteSpace(builder.Configuration[$"Parameters:{name}"]))
            return builder.AddParameter(name, secret: true);
        var configured = $"{GilmourSettings.ControlApiSection}:{GilmourSettings.ApiKeyKey}";
        if (!string.IsNullOrWhiteSpace(builder.Configuration[configured]))
            return builder.AddParameterFromConfiguration(name, configured, secret: true);
        return null;
    }
}
