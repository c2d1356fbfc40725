using System.Text.Json;
using System.Text.Json.Serialization;
using Gilmour.Errors;
using Gilmour.Registry;

namespace Gilmour.Json;

/// <summary>Source-generated JSON for the hot path and the registry (snake_case, as the API and the registry spell fields).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(Node))]
[JsonSerializable(typeof(Subscription))]
[JsonSerializable(typeof(RegistryChange))]
[JsonSerializable(typeof(SubscriptionsApplied))]
[JsonSerializable(typeof(RubyErrorReport))]
[JsonSerializable(typeof(GoErrorReport))]
public sealed partial class GilmourJson : JsonSerializerContext;
