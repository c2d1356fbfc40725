using System.Text.Json;
using System.Text.RegularExpressions;

namespace Gilmour.ControlApi.Errors;

/// <summary>
/// What a JSON reading failure says to a client, in the terms of the body it sent: the field, what it should hold,
/// and for an unknown field the likeliest one meant. Never a .NET type or member name.
/// </summary>
public static partial class JsonFailureText
{
    private const int MaxShown = 64;

    // Fields people write for another one, most often because a delivery to a node carries "data" where a publish
    // body carries "message".
    private static readonly Dictionary<string, string> Synonyms = new(StringComparer.OrdinalIgnoreCase)
    {
        ["data"] = "message", ["payload"] = "message", ["body"] = "message", ["msg"] = "message",
        ["health"] = "health_check", ["healthcheck"] = "health_check", ["health_path"] = "health_check",
        ["timeout_ms"] = "timeout", ["timeout_seconds"] = "timeout", ["ttl"] = "timeout",
        ["concurrency"] = "max_concurrency", ["max_concurrent"] = "max_concurrency",
        ["name"] = "topic", ["channel"] = "topic", ["subject"] = "topic",
        ["exclusion_group"] = "group", ["url"] = "path", ["route"] = "path", ["endpoint"] = "path",
        ["pipeline"] = "composition", ["compose"] = "composition",
    };

    /// <summary>The message for <paramref name="failure"/>, or null when it is not one this class words.</summary>
    public static string? Describe(JsonException failure)
    {
        if (UnmappedMember().Match(failure.Message) is { Success: true } unknown)
            return UnknownField(unknown.Groups["field"].Value, unknown.Groups["type"].Value, failure.Path);
        if (WrongType().Match(failure.Message) is { Success: true } wrong)
            return $"{FieldOf(failure.Path) ?? "the body"} must be {InJsonTerms(wrong.Groups["type"].Value)}";
        return null;
    }

    private static string UnknownField(string name, string typeName, string? path)
    {
        var parent = FieldOf(path, without: name);
        var field = Printable(parent is null ? name : $"{parent}.{name}");
        var known = KnownFields(typeName);
        if (known.Count == 0) return $"unknown field '{field}'";
        return Suggest(name, known) is { } meant
            ? $"unknown field '{field}' (did you mean '{meant}'?)"
            : $"unknown field '{field}' (the fields here are {string.Join(", ", known)})";
    }

    private static string? Suggest(string name, IReadOnlyList<string> known)
    {
        // A name this long is no misspelling of a field (and comparing it would cost its length times each field's).
        if (name.Length > MaxShown) return null;
        if (Synonyms.TryGetValue(name, out var synonym) && known.Contains(synonym)) return synonym;
        var snake = JsonNamingPolicy.SnakeCaseLower.ConvertName(name);
        if (known.Contains(snake)) return snake;
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in known)
        {
            var distance = Distance(snake, candidate);
            if (distance < bestDistance) (best, bestDistance) = (candidate, distance);
        }
        // A misspelling, not another word: at most two edits, and fewer for short names.
        return bestDistance <= Math.Min(2, Math.Max(1, snake.Length / 3)) ? best : null;
    }

    /// <summary>A name fit to quote: short, without control characters.</summary>
    private static string Printable(string name)
    {
        var shown = new string([.. name.Take(MaxShown).Select(c => char.IsControl(c) ? '?' : c)]);
        return name.Length > MaxShown ? shown + "..." : shown;
    }

    /// <summary>The JSON names of the body's fields, the route's {id} aside (it is not part of a body).</summary>
    private static IReadOnlyList<string> KnownFields(string typeName)
    {
        var type = typeof(JsonFailureText).Assembly.GetType(typeName);
        if (type is null) return [];
        // Options without a resolver for this type: the message then names the field without a suggestion.
        if (!ControlApiJson.Options.TryGetTypeInfo(type, out var info)) return [];
        return [.. info.Properties.Select(p => p.Name).Where(n => n != "id" && n != "delivery")];
    }

    /// <summary>"$.slots[0].timeout" as the API names it: "slots[0].timeout"; null for the body itself.</summary>
    private static string? FieldOf(string? path, string? without = null)
    {
        if (string.IsNullOrEmpty(path) || path == "$") return null;
        var field = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
        if (without is not null)
        {
            if (field == without) return null;
            if (field.EndsWith("." + without, StringComparison.Ordinal)) field = field[..^(without.Length + 1)];
        }
        return field.Length == 0 ? null : field;
    }

    private static string InJsonTerms(string typeName) => typeName switch
    {
        _ when typeName.Contains("Int32") || typeName.Contains("Int64") => "a whole number",
        _ when typeName.Contains("Double") || typeName.Contains("Decimal") || typeName.Contains("Single") => "a number",
        _ when typeName.Contains("Boolean") => "true or false",
        _ when typeName.Contains("List`") || typeName.EndsWith("[]", StringComparison.Ordinal) => "an array",
        _ when typeName.StartsWith("System.String", StringComparison.Ordinal) => "a string",
        _ => "a JSON object",
    };

    /// <summary>Edits that turn one name into the other: insert, delete, replace, or swap two neighbours.</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
            for (var j = 1; j <= b.Length; j++)
            {
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        return d[a.Length, b.Length];
    }

    [GeneratedRegex(@"^The JSON property '(?<field>.*)' could not be mapped to any \.NET member contained in type '(?<type>[^']+)'")]
    private static partial Regex UnmappedMember();

    [GeneratedRegex(@"^The JSON value could not be converted to (?<type>[^ ]+?)\.? (Path|LineNumber):")]
    private static partial Regex WrongType();
}
