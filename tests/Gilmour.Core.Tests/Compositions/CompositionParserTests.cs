using System.Text.Json;
using Gilmour.Compositions;

namespace Gilmour.Core.Tests.Compositions;

public sealed class CompositionParserTests
{
    private static Composition Parse(string json)
    {
        using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 1000 });
        return CompositionParser.Parse(document.RootElement);
    }

    [Fact]
    public void Reads_every_kind_topic_message_timeout_and_record()
    {
        // The document is disposed inside Parse's helper: the messages must have been copied out of it.
        var composition = Parse("""
            {"pipe":[
              {"topic":"a","message":{"k":[1,2]},"timeout":1.5},
              {"compose":[{"topic":"b","message":null}]},
              {"andand":[{"topic":"c","message":"text"}]},
              {"oror":[{"topic":"d"}]},
              {"batch":[{"topic":"e"}],"record":true},
              {"batch":[{"topic":"f"}],"record":false},
              {"parallel":[{"topic":"g"}]}
            ]}
            """);

        Assert.Equal(CompositionKind.Pipe, composition.Kind);
        Assert.False(composition.Record);
        var stages = composition.Stages;
        var first = Assert.IsType<TopicStage>(stages[0]);
        Assert.Equal(("a", """{"k":[1,2]}""", TimeSpan.FromSeconds(1.5)), (first.Topic, first.Message!.Value.GetRawText(), first.Timeout));
        var compose = Assert.IsType<Composition>(stages[1]);
        Assert.Equal(CompositionKind.Pipe, compose.Kind);
        Assert.Equal(new TopicStage("b", null, null), Assert.Single(compose.Stages));
        Assert.Equal("\"text\"", ((TopicStage)((Composition)stages[2]).Stages[0]).Message!.Value.GetRawText());
        Assert.Equal(
            [CompositionKind.AndAnd, CompositionKind.OrOr, CompositionKind.Batch, CompositionKind.Batch, CompositionKind.Parallel],
            stages.Skip(2).Select(s => ((Composition)s).Kind));
        Assert.Equal([true, false], stages.Skip(4).Take(2).Select(s => ((Composition)s).Record));
    }

    [Theory]
    [InlineData("[]", "composition: a composition must be a JSON object, not an array")]
    [InlineData("\"pipe\"", "composition: a composition must be a JSON object, not the string \"pipe\"")]
    [InlineData("{}", "composition: a composition needs one of pipe, compose, andand, oror, batch, parallel")]
    [InlineData("""{"pip":[]}""", "composition: unknown kind 'pip' (expected one of pipe, compose, andand, oror, batch, parallel)")]
    [InlineData("""{"topic":"t"}""", "composition: a composition needs one of pipe, compose, andand, oror, batch, parallel; a single request goes in the request's topic field")]
    [InlineData("""{"pipe":[{"topic":"a"}],"oror":[{"topic":"b"}]}""", "composition: two kinds in one object: 'pipe' and 'oror' (nest one inside the other)")]
    [InlineData("""{"pipe":[{"topic":"a"}],"compose":[{"topic":"b"}]}""", "composition: two kinds in one object: 'pipe' and 'compose'")]
    [InlineData("""{"pipe":[{"topic":"a"}],"pipe":[{"topic":"b"}]}""", "composition: 'pipe' is given twice")]
    [InlineData("""{"pipe":[]}""", "composition: 'pipe' has no stages")]
    [InlineData("""{"andand":{"topic":"a"}}""", "composition: 'andand' must be an array of stages, not an object")]
    [InlineData("""{"parallel":null}""", "composition: 'parallel' must be an array of stages, not null")]
    [InlineData("""{"batch":[{"topic":"a"}],"record":"yes"}""", "composition: 'record' must be true or false, not the string \"yes\"")]
    [InlineData("""{"pipe":[{"topic":"a"}],"record":true}""", "composition: 'record' only applies to batch, not to pipe")]
    [InlineData("""{"pipe":[{"topic":"a"}],"timeout":5}""", "composition: unknown field 'timeout' (a composition has its stage list and, for batch, 'record')")]
    [InlineData("""{"pipe":[{"topic":"a"},"b"]}""", "stage 2 of pipe: a stage must be a JSON object with a topic or a composition, not the string \"b\"")]
    [InlineData("""{"pipe":[{"topic":"a"},{"message":{"x":1}}]}""", "stage 2 of pipe: a stage needs a topic or one of pipe, compose, andand, oror, batch, parallel")]
    [InlineData("""{"pipe":[{}]}""", "stage 1 of pipe: a stage needs a topic or one of")]
    [InlineData("""{"oror":[{"tpoic":"a"}]}""", "stage 1 of oror: unknown kind 'tpoic'")]
    [InlineData("""{"pipe":[{"topic":""}]}""", "stage 1 of pipe: topic must be a non-empty string, not the string \"\"")]
    [InlineData("""{"pipe":[{"topic":"  "}]}""", "stage 1 of pipe: topic must be a non-empty string")]
    [InlineData("""{"pipe":[{"topic":7}]}""", "stage 1 of pipe: topic must be a non-empty string, not the number 7")]
    [InlineData("""{"pipe":[{"topic":null}]}""", "stage 1 of pipe: topic must be a non-empty string, not null")]
    [InlineData("""{"pipe":[{"topic":"a","topic":"b"}]}""", "stage 1 of pipe: 'topic' is given twice")]
    [InlineData("""{"pipe":[{"topic":"a","timeout":0}]}""", "stage 1 of pipe: timeout must be a positive number of seconds, not the number 0")]
    [InlineData("""{"pipe":[{"topic":"a","timeout":-3}]}""", "stage 1 of pipe: timeout must be a positive number of seconds, not the number -3")]
    [InlineData("""{"pipe":[{"topic":"a","timeout":"5"}]}""", "stage 1 of pipe: timeout must be a positive number of seconds, not the string \"5\"")]
    [InlineData("""{"pipe":[{"topic":"a","mesage":{}}]}""", "stage 1 of pipe: unknown field 'mesage' (a topic stage has topic, message and timeout)")]
    [InlineData("""{"pipe":[{"topic":"a","pipe":[{"topic":"b"}]}]}""", "stage 1 of pipe: a stage is either a topic or a composition, not both")]
    [InlineData("""{"batch":[{"pipe":[{"topic":"a"}],"record":true}]}""", "stage 1 of batch: 'record' only applies to batch, not to pipe")]
    [InlineData("""{"pipe":[{"topic":"a"},{"oror":[{"topic":"b"},{"topic":""}]}]}""", "stage 2 of oror in stage 2 of pipe: topic must be a non-empty string")]
    [InlineData("""{"parallel":[{"batch":[{"andand":[]}]}]}""", "stage 1 of batch in stage 1 of parallel: 'andand' has no stages")]
    public void Refuses_an_invalid_spec_naming_the_place(string json, string expected)
    {
        var error = Assert.Throws<CompositionException>(() => Parse(json));

        Assert.StartsWith(expected, error.Message);
    }

    [Fact]
    public void Refuses_nesting_deeper_than_the_maximum_depth()
    {
        var spec = """{"topic":"t"}""";
        for (var i = 0; i < CompositionParser.MaxDepth + 1; i++) spec = $$"""{"pipe":[{{spec}}]}""";

        var error = Assert.Throws<CompositionException>(() => Parse(spec));

        Assert.EndsWith($"compositions nest deeper than {CompositionParser.MaxDepth} levels", error.Message);
        Assert.StartsWith("stage 1 of pipe in stage 1 of pipe", error.Message);
    }

    [Fact]
    public void Accepts_nesting_up_to_the_maximum_depth()
    {
        var spec = """{"topic":"t"}""";
        for (var i = 0; i < CompositionParser.MaxDepth; i++) spec = $$"""{"pipe":[{{spec}}]}""";

        var depth = 0;
        for (Stage stage = Parse(spec); stage is Composition composition; stage = composition.Stages[0]) depth++;

        Assert.Equal(CompositionParser.MaxDepth, depth);
    }

    [Fact]
    public void Very_long_stage_timeout_is_kept_within_what_a_timespan_holds()
    {
        var composition = Parse("""{"pipe":[{"topic":"a","timeout":1e300}]}""");

        Assert.Equal(TimeSpan.FromSeconds(int.MaxValue), ((TopicStage)composition.Stages[0]).Timeout);
    }
}
