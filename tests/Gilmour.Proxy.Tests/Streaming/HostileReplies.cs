using System.Text;

namespace Gilmour.Proxy.Tests.Streaming;

/// <summary>One generated reply call: its path, body bytes, content type, and what broke it.</summary>
public sealed record HostileReply(string Path, byte[] Body, string ContentType, string Breakage)
{
    public override string ToString() =>
        $"POST {Truncate(Path)} [{Breakage}] body={Truncate(Encoding.UTF8.GetString(Body))}";

    private static string Truncate(string text) => text.Length <= 160 ? text : text[..160] + $"...({text.Length} chars)";
}

/// <summary>
/// Replies a node must be refused with a 4xx: a body broken in one of the ways JSON can be (truncated, wrong type,
/// code out of range, duplicate key, unknown field, invalid UTF-8, a lone surrogate, too deep, not an object, not
/// JSON, wrong content type, over the size limit), or a well-formed body for a delivery that is not the node's to
/// answer (unknown, malformed, another node's, an unknown node). A real pending delivery of the node is only ever
/// aimed at with a broken body, so nothing generated here may answer it. Deterministic for a seed.
/// </summary>
public sealed class HostileReplies(int seed, string nodeId, string otherNodeId, string pendingDelivery)
{
    private readonly Random _random = new(seed);

    private static readonly string[] GoodBodies =
    [
        """{"code":200,"data":{"ok":true}}""", """{"data":"text"}""", """{"code":503,"data":null}""", """{}""",
        """{"code":201,"data":[1,2,{"a":"b"}]}""", """{"data":{"nested":{"deeper":[1.5,-2,"é"]}}}""",
    ];

    public IEnumerable<HostileReply> Take(int count)
    {
        for (var i = 0; i < count; i++) yield return Next();
    }

    private HostileReply Next() => _random.Next(6) switch
    {
        0 or 1 => NotTheNodesToAnswer(),
        2 => BrokenBatch(),
        _ => BrokenBody(),
    };

    /// <summary>
    /// A batch (<c>POST /nodes/{id}/replies</c>) holding a good reply to the pending delivery and something broken:
    /// a batch is taken whole or not at all, so it must be refused and the good reply with it.
    /// </summary>
    private HostileReply BrokenBatch()
    {
        var good = $$"""{"id":"{{pendingDelivery}}","data":"must not be taken"}""";
        var broken = _random.Next(10) switch
        {
            0 => $$"""{"id":"{{pendingDelivery}}","code":{{Pick("600", "199", "\"200\"", "200.5", "true")}}}""",
            1 => $$"""{"id":{{Pick("7", "null", "true", "[]", "{}")}}}""",
            2 => "null",
            3 => """{"code":200,"data":1}""",
            4 => $$"""{"id":"{{Hex(32)}}","{{Pick("extra", "Data", "ID", "status")}}":1}""",
            5 => Pick("\"text\"", "42", "[1]"),
            6 => $$"""{"id":"{{Hex(32)}}","data":"\udc00"}""",
            7 => $$"""{"id":"{{Hex(32)}}","data":1,"data":2}""",
            8 => "{\"id\":\"" + Hex(32) + "\",\"data\":" + new string('[', 500) + new string(']', 500) + "}",
            _ => $$"""{"id":"{{Hex(32)}}","data":""",
        };
        var items = _random.Next(2) == 0 ? $"{good},{broken}" : $"{broken},{good}";
        var path = $"/nodes/{nodeId}/replies";
        return _random.Next(8) switch
        {
            0 => Json(path, Pick("""{"replies":[]}""", """{"replies":{}}""", """{"replies":"x"}""", "{}", "[]", "null"), "batch without replies"),
            1 => Json(path, $$"""{"replies":[{{good}}],"{{Pick("extra", "Replies", "id")}}":1}""", "unknown field beside replies"),
            2 => new(path, InvalidUtf8($$"""{"replies":[{{good}}]}"""), "application/json", "batch of invalid UTF-8"),
            _ => Json(path, $$"""{"replies":[{{items}}]}""", "batch with a broken reply"),
        };
    }

    private HostileReply NotTheNodesToAnswer()
    {
        var body = Encoding.UTF8.GetBytes(Pick(GoodBodies));
        return _random.Next(6) switch
        {
            0 => new($"/nodes/{nodeId}/replies/{Hex(32)}", body, "application/json", "unknown delivery"),
            1 => new($"/nodes/{otherNodeId}/replies/{pendingDelivery}", body, "application/json", "another node's delivery"),
            2 => new($"/nodes/{Guid.NewGuid()}/replies/{pendingDelivery}", body, "application/json", "unknown node"),
            3 => new($"/nodes/{nodeId}/replies/{MalformedId()}", body, "application/json", "malformed delivery id"),
            4 => new($"/nodes/{Uri.EscapeDataString(RandomText(_random.Next(1, 60)))}/replies/{pendingDelivery}", body, "application/json", "malformed node id"),
            _ => new($"/nodes/{nodeId}/replies/{pendingDelivery.ToUpperInvariant()}", body, "application/json", "delivery id in upper case"),
        };
    }

    private HostileReply BrokenBody()
    {
        var path = _random.Next(4) == 0 ? $"/nodes/{nodeId}/replies/{Hex(32)}" : $"/nodes/{nodeId}/replies/{pendingDelivery}";
        var json = Pick(GoodBodies);
        return _random.Next(12) switch
        {
            0 => Json(path, json[..Math.Max(1, _random.Next(json.Length - 1))], "truncated JSON"),
            1 => Json(path, $$"""{"code":{{Pick("\"200\"", "200.5", "true", "[]", "{}", "null5", "1e400", "99999999999")}},"data":1}""", "wrong type of code"),
            2 => Json(path, $$"""{"code":{{Pick("0", "99", "199", "600", "1000", "-200", "2147483647")}},"data":1}""", "code out of range"),
            3 => Json(path, """{"data":1,"data":2}""", "duplicate data"),
            4 => Json(path, $$"""{"code":200,"{{Pick("id", "delivery", "extra", "Code", "DATA", "status")}}_{{_random.Next(5)}}":1}""", "unknown field"),
            5 => new(path, InvalidUtf8(json), "application/json", "invalid UTF-8"),
            6 => Json(path, """{"data":"\ud800 lone"}""", "lone surrogate escape"),
            7 => Json(path, "{\"data\":" + new string('[', 500) + new string(']', 500) + "}", "nested 500 deep"),
            8 => Json(path, Pick("[1,2]", "\"text\"", "42", "null", "true", "[{\"code\":200}]"), "not an object"),
            9 => Json(path, RandomText(_random.Next(1, 200)), "not JSON at all"),
            10 => new(path, Encoding.UTF8.GetBytes(json), Pick("text/plain", "application/x-www-form-urlencoded", "text/event-stream"), "not JSON content type"),
            _ => _random.Next(50) == 0
                ? Json(path, "{\"data\":\"" + new string('x', 1_100_000) + "\"}", "body over 1 MiB")
                : Json(path, "{\"code\":" + json, "unterminated object"),
        };
    }

    private static HostileReply Json(string path, string body, string breakage) => new(path, Encoding.UTF8.GetBytes(body), "application/json", breakage);

    private byte[] InvalidUtf8(string json)
    {
        var quote = json.IndexOf('"', _random.Next(json.Length));
        var at = quote < 0 ? 1 : quote + 1;
        var bytes = Encoding.UTF8.GetBytes(json).ToList();
        byte[][] invalid = [[0xC3, 0x28], [0xFF], [0xED, 0xA0, 0x80], [0xE2, 0x82]];
        bytes.InsertRange(Math.Min(at, bytes.Count), invalid[_random.Next(invalid.Length)]);
        return [.. bytes];
    }

    private string MalformedId() => _random.Next(5) switch
    {
        0 => Hex(_random.Next(1, 31)),
        1 => Hex(33),
        2 => Guid.NewGuid().ToString(),
        3 => Uri.EscapeDataString(RandomText(_random.Next(1, 100))),
        _ => "%2e%2e%2f" + Hex(32),
    };

    private string Hex(int length)
    {
        var text = new char[length];
        for (var i = 0; i < length; i++) text[i] = "0123456789abcdef"[_random.Next(16)];
        return new string(text);
    }

    private string RandomText(int length)
    {
        var text = new StringBuilder(length);
        for (var i = 0; i < length; i++) text.Append((char)_random.Next(0x20, 0x7f));
        return text.ToString();
    }

    private T Pick<T>(params T[] choices) => choices[_random.Next(choices.Length)];
}
