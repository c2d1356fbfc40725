using System.Buffers;
using System.Text.Json;
using Gilmour.Json;
using Gilmour.Protocol;
using Gilmour.Requests;

namespace Gilmour.Compositions;

/// <summary>Sends one request of a composition (in production: <see cref="Requester.RequestAsync"/>).</summary>
public delegate Task<Reply> SendRequest(string topic, JsonElement data, TimeSpan timeout, CancellationToken cancellationToken);

/// <summary>
/// Runs compositions on the requesting side, as the Go and Ruby libraries do: pipe, andand, oror, batch
/// (with record), parallel, nested to any depth, with the input and object-merge rules of docs/api.md ("Compositions").
/// </summary>
/// <remarks>
/// A failure of the transport itself (for example Redis unreachable) is not a result: the exception from
/// <see cref="SendRequest"/> propagates, as does cancellation by the caller's token.
/// </remarks>
public sealed class CompositionRunner
{
    private static readonly Reply TimedOut =
        new(JsonSerializer.SerializeToElement(Codes.TimedOutText, GilmourJson.Default.String), Codes.TimedOut) { IsLocal = true };

    // Timers longer than this cannot be armed (CancelAfter's limit is about 49 days).
    private static readonly TimeSpan LongestGuard = TimeSpan.FromDays(40);

    private readonly SendRequest _send;
    private readonly TimeProvider _time;

    public CompositionRunner(SendRequest send) : this(send, TimeProvider.System) { }

    /// <param name="time">The clock the deadline is measured on (a manual clock in tests).</param>
    public CompositionRunner(SendRequest send, TimeProvider time)
    {
        _send = send ?? throw new ArgumentNullException(nameof(send));
        _time = time ?? throw new ArgumentNullException(nameof(time));
    }

    /// <summary>
    /// Runs <paramref name="composition"/> on <paramref name="input"/> within <paramref name="timeout"/> in all.
    /// Returns the result messages: one for pipe/andand/oror/unrecorded batch, one per stage for parallel and
    /// recorded batch.
    /// </summary>
    /// <param name="timeout">The whole composition's deadline; <see cref="Timeout.InfiniteTimeSpan"/> for none.</param>
    public Task<IReadOnlyList<Reply>> RunAsync(Composition composition, JsonElement input, TimeSpan timeout,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(composition);
        var deadline = new Deadline(_time, _time.GetTimestamp(), timeout);
        return RunCompositionAsync(composition, input, deadline, cancellationToken);
    }

    /// <summary>True for the kinds whose result is a list of every stage's result.</summary>
    public static bool ReturnsList(Composition composition) =>
        composition.Kind == CompositionKind.Parallel || composition is { Kind: CompositionKind.Batch, Record: true };

    private async Task<IReadOnlyList<Reply>> RunCompositionAsync(Composition composition, JsonElement input,
        Deadline deadline, CancellationToken cancellationToken)
    {
        var stages = composition.Stages;
        switch (composition.Kind)
        {
            case CompositionKind.Pipe:
            {
                var data = input;
                Reply last = null!;
                foreach (var stage in stages)
                {
                    last = await RunStageAsync(stage, data, deadline, cancellationToken);
                    if (last.Code != Codes.Ok) break;
                    data = last.Data;
                }
                return [last];
            }
            case CompositionKind.AndAnd:
            {
                Reply last = null!;
                foreach (var stage in stages)
                {
                    last = await RunStageAsync(stage, input, deadline, cancellationToken);
                    if (last.Code != Codes.Ok) break;
                }
                return [last];
            }
            case CompositionKind.OrOr:
            {
                Reply last = null!;
                foreach (var stage in stages)
                {
                    last = await RunStageAsync(stage, input, deadline, cancellationToken);
                    if (last.Code == Codes.Ok) break;
                }
                return [last];
            }
            case CompositionKind.Batch:
            {
                var results = new Reply[stages.Count];
                for (var i = 0; i < results.Length; i++)
                    results[i] = await RunStageAsync(stages[i], input, deadline, cancellationToken);
                return composition.Record ? results : [results[^1]];
            }
            case CompositionKind.Parallel:
            {
                var running = new Task<Reply>[stages.Count];
                for (var i = 0; i < running.Length; i++)
                    running[i] = RunStageAsync(stages[i], input, deadline, cancellationToken);
                return await Task.WhenAll(running);
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(composition), composition.Kind, "unknown composition kind");
        }
    }

    private async Task<Reply> RunStageAsync(Stage stage, JsonElement input, Deadline deadline, CancellationToken cancellationToken)
    {
        switch (stage)
        {
            case TopicStage request:
                return await SendAsync(request, Merge(input, request.Message), deadline, cancellationToken);
            case Composition nested:
                var results = await RunCompositionAsync(nested, input, deadline, cancellationToken);
                return ReturnsList(nested) ? AsOneReply(results) : results[0];
            default:
                throw new ArgumentOutOfRangeException(nameof(stage), stage, "unknown stage type");
        }
    }

    private async Task<Reply> SendAsync(TopicStage stage, JsonElement data, Deadline deadline, CancellationToken cancellationToken)
    {
        var remaining = deadline.Remaining;
        if (remaining <= TimeSpan.Zero) return TimedOut;
        var timeout = stage.Timeout is { } own && own < remaining ? own : remaining;

        // The sender is expected to answer 499 itself at the timeout; the guard keeps a sender that does not from
        // holding the whole composition past its deadline.
        using var guard = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout < LongestGuard) guard.CancelAfter(timeout);
        try
        {
            return await _send(stage.Topic, data, timeout, guard.Token);
        }
        catch (OperationCanceledException) when (guard.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return TimedOut;
        }
    }

    /// <summary>
    /// A stage's input: its own message merged into an object input (shallow, the stage's keys winning), else its
    /// own message replacing the input, else the input unchanged.
    /// </summary>
    internal static JsonElement Merge(JsonElement input, JsonElement? message)
    {
        if (message is not { } own) return input;
        if (input.ValueKind != JsonValueKind.Object || own.ValueKind != JsonValueKind.Object) return own;

        // Dictionaries, not TryGetProperty per key: that is a linear scan, quadratic on large hostile objects.
        var stageValues = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in own.EnumerateObject()) stageValues[property.Name] = property.Value;
        var written = new HashSet<string>(StringComparer.Ordinal);
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            // An input key the stage also sets keeps its position but takes the stage's value.
            foreach (var property in input.EnumerateObject())
            {
                if (!written.Add(property.Name)) continue;
                writer.WritePropertyName(property.Name);
                (stageValues.TryGetValue(property.Name, out var value) ? value : property.Value).WriteTo(writer);
            }
            foreach (var property in own.EnumerateObject())
            {
                if (!written.Add(property.Name)) continue;
                writer.WritePropertyName(property.Name);
                stageValues[property.Name].WriteTo(writer);
            }
            writer.WriteEndObject();
        }
        return ParseWritten(buffer);
    }

    /// <summary>A list result handed onward as one message: data = [{data, code}...], code = the maximum.</summary>
    private static Reply AsOneReply(IReadOnlyList<Reply> results)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        var code = 0;
        var isLocal = false;
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var result in results)
            {
                writer.WriteStartObject();
                writer.WritePropertyName("data"u8);
                if (result.Data.ValueKind == JsonValueKind.Undefined) writer.WriteNullValue();
                else result.Data.WriteTo(writer);
                writer.WriteNumber("code"u8, result.Code);
                writer.WriteEndObject();
                // The list's code is its highest; it is local when the result that gave it is.
                if (result.Code > code) (code, isLocal) = (result.Code, result.IsLocal);
            }
            writer.WriteEndArray();
        }
        return new Reply(ParseWritten(buffer), code) { IsLocal = isLocal };
    }

    // The writer allows 1000 levels; reading back with the default 64 would fail on deep but legitimate data.
    private static JsonElement ParseWritten(ArrayBufferWriter<byte> buffer)
    {
        var reader = new Utf8JsonReader(buffer.WrittenSpan, new JsonReaderOptions { MaxDepth = 1024 });
        return JsonElement.ParseValue(ref reader);
    }

    private readonly record struct Deadline(TimeProvider Time, long Start, TimeSpan Timeout)
    {
        public TimeSpan Remaining => Timeout == System.Threading.Timeout.InfiniteTimeSpan
            ? TimeSpan.MaxValue
            : Timeout - Time.GetElapsedTime(Start);
    }
}
