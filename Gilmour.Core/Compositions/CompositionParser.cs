using System.Text.Json;

namespace Gilmour.Compositions;

/// <summary>
/// Reads the JSON composition spec of DESIGN.md. Refuses, with a message naming the place: unknown kind, empty
/// stage list, a stage with neither topic nor composition, two kinds in one object, wrong types, too deep nesting.
/// </summary>
public static class CompositionParser
{
    public const int MaxDepth = 32;

    /// <exception cref="CompositionException">the spec is not a valid composition.</exception>
    public static Composition Parse(JsonElement spec) => throw new NotImplementedException();
}
