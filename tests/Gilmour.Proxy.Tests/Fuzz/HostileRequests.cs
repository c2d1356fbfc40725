using System.Text;

namespace Gilmour.Proxy.Tests.Fuzz;

/// <summary>One generated call: method, path with query, body bytes (null: none), content type, and what broke it.</summary>
public sealed record HostileRequest(HttpMethod Method, string Path, byte[]? Body, string ContentType, string Breakage)
{
    public override string ToString() =>
        $"{Method} {Truncate(Path)} [{Breakage}] body={(Body is null ? "none" : Truncate(Encoding.UTF8.GetString(Body)))}";

    private static string Truncate(string text) => text.Length <= 160 ? text : text[..160] + $"...({text.Length} chars)";
}

/// <summary>
/// Generates calls at every route of the control API that are each broken in at least one way the API must refuse
/// with a 4xx (a valid call could legitimately change the registry or answer 5xx, e.g. 502 for a failed health
/// pre-check): truncated JSON, a wrong type at a typed field, invalid UTF-8, a duplicated key, nesting beyond any
/// sane depth, a body over the size limit, a body that is not JSON, an unknown or malformed id or route, a wrong
/// method, a bad query. On top of the breakage it decorates bodies with unknown fields, huge strings and deep (but
/// legal) nesting. Deterministic for a seed, so a failure can be replayed.
/// </summary>
public sealed class HostileRequests(int seed, string nodeId)
{
    private readonly Random _random = new(seed);

    private static readonly string[] TypedFields = ["port", "health_check", "slots", "services", "topic", "group", "path", "timeout", "composition", "max_concurrency"];

    private static readonly object[] WrongValues =
    [
        "\"text\"", "-1", "1.5", "true", "[]", "{}", "[1,2,3]", "{\"a\":{\"b\":[]}}", "99999999999999999999999",
        "\"\\u0000\"", "1e400", "\"" + new string('x', 5000) + "\"",
    ];

    public IEnumerable<HostileRequest> Take(int count)
    {
        for (var i = 0; i < count; i++) yield return Next();
    }

    private HostileRequest Next() => _random.Next(10) switch
    {
        0 => BadRoute(),
        1 => WrongMethod(),
        2 => BadQuery(),
        _ => BrokenBody(),
    };

    private string BadId() => _random.Next(5) switch
    {
        0 => Guid.NewGuid().ToString(),
        1 => "not-a-uuid",
        2 => Uri.EscapeDataString(RandomText(_random.Next(1, 300))),
        3 => new string('9', _random.Next(1, 2000)),
        _ => "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    };

    private (string Path, string Template) BodyRoute() => _random.Next(6) switch
    {
        0 => ("/nodes", """{"port":9,"health_check":"/health","slots":[{"topic":"t.*","path":"/s"}],"services":[{"topic":"t","group":"g","path":"/v","timeout":5}]}"""),
        1 => ($"/nodes/{nodeId}/slots", """{"topic":"fuzz.slot","group":"g","path":"/p","timeout":5}"""),
        2 => ($"/nodes/{nodeId}/services", """{"topic":"fuzz.service","group":"g","path":"/p","timeout":5}"""),
        3 => ($"/request/{nodeId}", """{"topic":"fuzz.nobody","message":{"a":"b"},"timeout":1}"""),
        4 => ($"/request/{nodeId}", """{"composition":{"pipe":[{"topic":"fuzz.a"},{"parallel":[{"topic":"fuzz.b"}]}]},"message":{"a":1},"timeout":1}"""),
        _ => ($"/signal/{nodeId}", """{"topic":"fuzz.signal","message":{"note":"hi","n":[1,2]}}"""),
    };

    private HostileRequest BrokenBody()
    {
        var (path, template) = BodyRoute();
        var json = Decorate(template);
        var breakage = _random.Next(8);
        return breakage switch
        {
            0 => Post(path, Encoding.UTF8.GetBytes(json[..Math.Max(1, _random.Next(json.Length - 1))]), "truncated JSON"),
            1 => WrongType(path, json),
            2 => Post(path, InvalidUtf8(json), "invalid UTF-8"),
            3 => DuplicateKey(path, json),
            4 => Post(path, Encoding.UTF8.GetBytes(new string('[', 100_000) + new string(']', 100_000)), "nesting 100,000 deep"),
            5 => Post(path, Encoding.UTF8.GetBytes(json), "not JSON content type", _random.Next(2) == 0 ? "text/plain" : "application/x-www-form-urlencoded"),
            6 => Post(path, Encoding.UTF8.GetBytes(RandomText(_random.Next(1, 400))), "not JSON at all"),
            _ => _random.Next(40) == 0
                ? Post(path, Encoding.UTF8.GetBytes("{\"topic\":\"" + new string('x', 1_100_000) + "\"}"), "body over 1 MiB")
                : Post(path, Encoding.UTF8.GetBytes("{\"topic\":" + json), "unterminated object"),
        };
    }

    private HostileRequest WrongType(string path, string json)
    {
        // Replace the value of a typed field the template has (or add one) with a value of the wrong type.
        foreach (var field in TypedFields.OrderBy(_ => _random.Next()))
        {
            var key = $"\"{field}\":";
            var at = json.IndexOf(key, StringComparison.Ordinal);
            if (at < 0) continue;
            var valueStart = at + key.Length;
            var valueEnd = ValueEnd(json, valueStart);
            var wrong = Wrong(field);
            if (wrong is null) continue;
            return Post(path, Encoding.UTF8.GetBytes(json[..valueStart] + wrong + json[valueEnd..]), $"wrong type at {field}");
        }
        return Post(path, Encoding.UTF8.GetBytes("[" + json + "]"), "array instead of object");
    }

    /// <summary>A value that is wrong for <paramref name="field"/> whatever else the body holds.</summary>
    private string? Wrong(string field) => field switch
    {
        "port" => Pick("\"text\"", "\"80\"", "true", "[]", "{}", "1.5", "-1", "0", "65536", "99999999999999999999999", "1e400"),
        "timeout" or "max_concurrency" => Pick("\"text\"", "\"5\"", "true", "[]", "{}", "-1", "-0.5"),
        "topic" or "group" or "path" or "health_check" => Pick("5", "true", "[]", "{}", "[\"a\"]", "{\"a\":1}"),
        "slots" or "services" => Pick("5", "\"slots\"", "true", "{}", "[5]", "[\"x\"]", "[[]]", "[{\"topic\":5,\"path\":\"/p\"}]"),
        "composition" => Pick("5", "\"pipe\"", "[]", "{}", "{\"pipe\":5}", "{\"pipe\":[]}", "{\"nope\":[{\"topic\":\"a\"}]}", "{\"pipe\":[{}]}"),
        _ => null,
    };

    private HostileRequest DuplicateKey(string path, string json)
    {
        // The first member's key again, in front: ambiguous JSON, refused rather than guessing which value wins.
        var keyEnd = json.IndexOf("\":", StringComparison.Ordinal);
        var key = json[1..(keyEnd + 1)];
        return Post(path, Encoding.UTF8.GetBytes("{" + key + ":0," + json[1..]), $"duplicate key {key}");
    }

    /// <summary>Unknown fields, huge strings and deep-but-legal nesting, which alone may be acceptable.</summary>
    private string Decorate(string json)
    {
        var extra = _random.Next(4) switch
        {
            0 => "",
            1 => $"\"unknown_{_random.Next(100)}\":{WrongValues[_random.Next(WrongValues.Length)]},",
            2 => $"\"huge\":\"{new string('h', _random.Next(1000, 200_000))}\",",
            _ => $"\"deep\":{new string('[', 60)}1{new string(']', 60)},",
        };
        return "{" + extra + json[1..];
    }

    private HostileRequest BadRoute()
    {
        // Unknown or malformed ids at every route, with any method; the one valid id only at routes that do not exist.
        var id = BadId();
        var path = Pick(
            $"/nodes/{id}", $"/nodes/{id}/activate", $"/nodes/{id}/slots", $"/nodes/{id}/services",
            $"/request/{id}", $"/signal/{id}", $"/nodes/{nodeId}/unknown", $"/{RandomPathSegment()}",
            $"/nodes/{nodeId}/slots/{id}", $"/request/{nodeId}/{id}", $"/nodes/{nodeId}/activate/{id}");
        var method = Pick(HttpMethod.Get, HttpMethod.Post, HttpMethod.Delete);
        var body = method == HttpMethod.Post
            ? Encoding.UTF8.GetBytes("""{"port":9,"topic":"fuzz.x","group":"g","path":"/p","message":1}""")
            : null;
        return new HostileRequest(method, path, body, "application/json", "unknown or malformed id or route");
    }

    private HostileRequest WrongMethod()
    {
        var path = Pick("/nodes", $"/nodes/{nodeId}", $"/nodes/{nodeId}/activate", $"/request/{nodeId}", $"/signal/{nodeId}", $"/nodes/{nodeId}/slots");
        var method = Pick(HttpMethod.Put, HttpMethod.Patch, new HttpMethod("PROPFIND"));
        return new HostileRequest(method, path, Encoding.UTF8.GetBytes("{}"), "application/json", "wrong method");
    }

    private HostileRequest BadQuery()
    {
        var kind = Pick("slots", "services");
        var query = _random.Next(6) switch
        {
            0 => "",
            1 => "?path=/p",
            2 => "?topic=",
            3 => $"?topic=fuzz.absent.{_random.Next()}&path=/nope",
            4 => "?topic=" + new string('t', _random.Next(100, 6000)),
            _ => $"?topic=%ff%fe%00&topic=a&path={Uri.EscapeDataString(RandomText(50))}",
        };
        return new HostileRequest(HttpMethod.Delete, $"/nodes/{nodeId}/{kind}{query}", null, "application/json", "bad query");
    }

    private HostileRequest Post(string path, byte[] body, string breakage, string contentType = "application/json") =>
        new(HttpMethod.Post, path, body, contentType, breakage);

    private byte[] InvalidUtf8(string json)
    {
        // After a random quote: inside some key or string value, the message's own strings included.
        var quotes = Enumerable.Range(0, json.Length).Where(i => json[i] == '"').ToArray();
        var quote = quotes[_random.Next(quotes.Length)];
        var at = Encoding.UTF8.GetByteCount(json[..(quote + 1)]);
        var bytes = Encoding.UTF8.GetBytes(json).ToList();
        byte[][] invalid = [[0xC3, 0x28], [0xFF], [0xED, 0xA0, 0x80], [0xE2, 0x82], [0xF0, 0x28, 0x8C, 0x28]];
        bytes.InsertRange(at, invalid[_random.Next(invalid.Length)]);
        return [.. bytes];
    }

    private static int ValueEnd(string json, int start)
    {
        var depth = 0;
        var inString = false;
        for (var i = start; i < json.Length; i++)
        {
            var c = json[i];
            if (inString)
            {
                if (c == '\\') i++;
                else if (c == '"') inString = false;
                continue;
            }
            switch (c)
            {
                case '"': inString = true; break;
                case '[' or '{': depth++; break;
                case ']' or '}' when depth == 0: return i;
                case ']' or '}': depth--; break;
                case ',' when depth == 0: return i;
            }
        }
        return json.Length;
    }

    private string RandomText(int length)
    {
        var text = new StringBuilder(length);
        for (var i = 0; i < length; i++)
            text.Append(_random.Next(5) == 0 ? (char)_random.Next(0x80, 0x3000) : (char)_random.Next(0x20, 0x7F));
        return text.ToString();
    }

    private string RandomPathSegment() => Uri.EscapeDataString(RandomText(_random.Next(1, 40)));

    private T Pick<T>(params T[] choices) => choices[_random.Next(choices.Length)];
}
