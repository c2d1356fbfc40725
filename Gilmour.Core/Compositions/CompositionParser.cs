using System.Text.Json;

namespace Gilmour.Compositions;

/// <summary>
/// Reads the JSON composition spec of POST /request (docs/api.md, "Compositions"). Refuses, with a message naming the place: unknown kind, empty
/// stage list, a stage with neither topic nor composition, two kinds in one object, wrong types, too deep nesting.
/// </summary>
/// <remarks>
/// Unknown fields are refused rather than ignored (Go and Ruby have no JSON form, so nothing depends on extras being
/// tolerated): a misspelt "mesage" or "timeuot" silently ignored would send the wrong data or wait the wrong time.
/// An explicit <c>"message": null</c> counts as no message, as a nil message does in the Go library.
/// </remarks>
public static class CompositionParser
{
    public const int MaxDepth = 32;

    private const string TopLevel = "composition";
    private const string KindList = "pipe, compose, andand, oror, batch, parallel";

    /// <exception cref="CompositionException">the spec is not a valid composition.</exception>
    public static Composition Parse(JsonElement spec)
    {
        if (spec.ValueKind == JsonValueKind.Object && spec.TryGetProperty("topic", out _) && FindKind(spec) is null)
            throw Fail(TopLevel, $"a composition needs one of {KindList}; a single request goes in the request's topic field");
        return ParseComposition(spec, TopLevel, depth: 1);
    }

    private static Composition ParseComposition(JsonElement spec, string where, int depth)
    {
        if (depth > MaxDepth) throw Fail(where, $"compositions nest deeper than {MaxDepth} levels");
        if (spec.ValueKind != JsonValueKind.Object) throw Fail(where, $"a composition must be a JSON object, not {Describe(spec)}");

        string? kindName = null;
        var kind = CompositionKind.Pipe;
        JsonElement stageList = default;
        JsonElement? record = null;
        var hasKind = FindKind(spec) is not null;
        foreach (var property in spec.EnumerateObject())
        {
            if (ToKind(property.Name) is { } found)
            {
                if (kindName is not null)
                    throw Fail(where, property.Name == kindName
                        ? $"'{kindName}' is given twice"
                        : $"two kinds in one object: '{kindName}' and '{property.Name}' (nest one inside the other)");
                (kindName, kind, stageList) = (property.Name, found, property.Value);
            }
            else if (property.Name == "record")
            {
                if (record is not null) throw Fail(where, "'record' is given twice");
                record = property.Value;
            }
            else if (property.Name == "topic")
            {
                throw Fail(where, "a stage is either a topic or a composition, not both");
            }
            else if (hasKind)
            {
                throw Fail(where, $"unknown field '{property.Name}' (a composition has its stage list and, for batch, 'record')");
            }
            else if (property.Name is not ("message" or "timeout"))
            {
                throw Fail(where, $"unknown kind '{property.Name}' (expected one of {KindList})");
            }
        }
        if (kindName is null)
            throw Fail(where, where == TopLevel ? $"a composition needs one of {KindList}" : $"a stage needs a topic or one of {KindList}");

        var isRecorded = false;
        if (record is { } recordValue)
        {
            if (kind != CompositionKind.Batch) throw Fail(where, $"'record' only applies to batch, not to {kindName}");
            if (recordValue.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                throw Fail(where, $"'record' must be true or false, not {Describe(recordValue)}");
            isRecorded = recordValue.GetBoolean();
        }

        if (stageList.ValueKind != JsonValueKind.Array)
            throw Fail(where, $"'{kindName}' must be an array of stages, not {Describe(stageList)}");
        var count = stageList.GetArrayLength();
        if (count == 0) throw Fail(where, $"'{kindName}' has no stages");

        var stages = new Stage[count];
        var index = 0;
        foreach (var stage in stageList.EnumerateArray())
        {
            var stageWhere = where == TopLevel ? $"stage {index + 1} of {kindName}" : $"stage {index + 1} of {kindName} in {where}";
            stages[index++] = ParseStage(stage, stageWhere, depth);
        }
        return new Composition(kind, stages, isRecorded);
    }

    private static Stage ParseStage(JsonElement stage, string where, int depth)
    {
        if (stage.ValueKind != JsonValueKind.Object)
            throw Fail(where, $"a stage must be a JSON object with a topic or a composition, not {Describe(stage)}");
        if (!stage.TryGetProperty("topic", out _)) return ParseComposition(stage, where, depth + 1);
        if (FindKind(stage) is { } kindName) throw Fail(where, $"a stage is either a topic or a composition, not both (it has 'topic' and '{kindName}')");

        string? topic = null;
        JsonElement? message = null;
        TimeSpan? timeout = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in stage.EnumerateObject())
        {
            if (!seen.Add(property.Name)) throw Fail(where, $"'{property.Name}' is given twice");
            switch (property.Name)
            {
                case "topic":
                    if (property.Value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(property.Value.GetString()))
                        throw Fail(where, $"topic must be a non-empty string, not {Describe(property.Value)}");
                    topic = property.Value.GetString()!;
                    break;
                case "message":
                    // Clone: the stage outlives the request body's JsonDocument.
                    message = property.Value.ValueKind == JsonValueKind.Null ? null : property.Value.Clone();
                    break;
                case "timeout":
                    timeout = ParseTimeout(property.Value, where);
                    break;
                default:
                    throw Fail(where, $"unknown field '{property.Name}' (a topic stage has topic, message and timeout)");
            }
        }
        return new TopicStage(topic!, message, timeout);
    }

    private static TimeSpan ParseTimeout(JsonElement value, string where)
    {
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var seconds) || !(seconds > 0))
            throw Fail(where, $"timeout must be a positive number of seconds, not {Describe(value)}");
        // Anything longer is capped by the request's deadline anyway; this keeps TimeSpan from overflowing.
        return TimeSpan.FromSeconds(Math.Min(seconds, int.MaxValue));
    }

    private static string? FindKind(JsonElement spec)
    {
        foreach (var property in spec.EnumerateObject())
            if (ToKind(property.Name) is not null) return property.Name;
        return null;
    }

    private static CompositionKind? ToKind(string name) => name switch
    {
        "pipe" or "compose" => CompositionKind.Pipe,
        "andand" => CompositionKind.AndAnd,
        "oror" => CompositionKind.OrOr,
        "batch" => CompositionKind.Batch,
        "parallel" => CompositionKind.Parallel,
        _ => null,
    };

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => $"the string \"{Shorten(value.GetString()!)}\"",
        JsonValueKind.Number => $"the number {Shorten(value.GetRawText())}",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "...";

    private static CompositionException Fail(string where, string problem) => new($"{where}: {problem}");
}
