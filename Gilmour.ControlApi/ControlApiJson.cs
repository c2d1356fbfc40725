using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gilmour.ControlApi;

/// <summary>The JSON rules of the API: snake_case field names (docs/api.md), and strict reading of hostile bodies.</summary>
public static class ControlApiJson
{
    /// <summary>Deep enough for a composition nested <see cref="Compositions.CompositionParser.MaxDepth"/> levels.</summary>
    public const int MaxDepth = 160;

    public static JsonSerializerOptions Options { get; } = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.PropertyNameCaseInsensitive = false;
        // Web defaults would read "80" as a port; a wrong type is a 400, not a guess.
        options.NumberHandling = JsonNumberHandling.Strict;
        // {"port": 1, "port": 2} would otherwise silently mean 2.
        options.AllowDuplicateProperties = false;
        // A misspelt "helth_check" would otherwise be dropped without a word, and a field nobody reads would carry
        // anything (duplicate keys, any nesting) past every other rule: unknown fields are a 400.
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        options.MaxDepth = MaxDepth;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        // Answers are read by programs and people, never embedded in HTML: "'" stays "'", not "\u0027".
        options.Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
        return options;
    }
}
