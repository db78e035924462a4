using Google.Protobuf;
using ModelConsole.Core.Telemetry.Otlp;

namespace ModelConsole.Core.Tests.Telemetry;

/// <summary>The OpenTelemetry intake's mapping, table by table (API.md "OpenTelemetry intake").</summary>
public class OtlpMappingTests
{
    private static readonly byte[] Trace = Convert.FromHexString("0af7651916cd43dd8448eb211c80319c");
    private static readonly byte[] SpanId = Convert.FromHexString("b7ad6b7169203331");
    private static readonly DateTime Start = new(2026, 12, 1, 10, 0, 0, DateTimeKind.Utc);

    private static OtlpSpan Span(params (string Key, OtlpValue Value)[] attributes)
    {
        var span = new OtlpSpan
        {
            TraceId = Trace, SpanId = SpanId, Name = "chat gpt-4o",
            StartTimeUnixNano = Nanos(Start), EndTimeUnixNano = Nanos(Start) + 1_234_500_000,
            ResourceAttributes = new Dictionary<string, OtlpValue> { ["modelconsole.bundle"] = OtlpValue.Of("support-agent-v12") },
        };
        foreach (var (key, value) in attributes)
        {
            span.Attributes[key] = value;
        }

        return span;
    }

    private static ulong Nanos(DateTime utc) => (ulong)(utc - DateTime.UnixEpoch).Ticks * 100;

    private static SpanMapping Map(OtlpSpan span) => OtlpMapping.Map(span, family => family == "support-agent");

    [Fact]
    public void CurrentAttributeNames_BecomeEveryField()
    {
        var span = Span(("gen_ai.operation.name", OtlpValue.Of("chat")), ("gen_ai.provider.name", OtlpValue.Of("openai")),
            ("gen_ai.request.model", OtlpValue.Of("gpt-4o")), ("gen_ai.response.model", OtlpValue.Of("gpt-4o-2024-11-20")),
            ("gen_ai.usage.input_tokens", OtlpValue.Of(812L)), ("gen_ai.usage.output_tokens", OtlpValue.Of(96L)),
            ("gen_ai.usage.cache_read.input_tokens", OtlpValue.Of(512L)), ("gen_ai.conversation.id", OtlpValue.Of("conv-7")));

        var mapping = Map(span);

        Assert.Equal(SpanVerdict.Event, mapping.Verdict);
        var e = mapping.Event!;
        Assert.Equal("0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331", e.RequestId);
        Assert.Equal("support-agent-v12", e.Bundle);
        Assert.Equal(Start, e.Timestamp);
        Assert.Equal(1234.5, e.LatencyMs);
        Assert.Equal((812L, 96L, 512L), (e.InputTokens!.Value, e.OutputTokens!.Value, e.CachedInputTokens!.Value));
        Assert.Equal(("openai", "gpt-4o"), (e.Provider, e.ServedModel));
        Assert.Equal("conv-7", e.Subject);
        Assert.True(e.Success);
        Assert.Null(e.ErrorType);
        Assert.Null(e.Errors);
    }

    [Fact]
    public void DeprecatedAttributeNames_StillEmittedByOlderInstrumentations_AreRead()
    {
        var span = Span(("gen_ai.system", OtlpValue.Of("anthropic")), ("gen_ai.response.model", OtlpValue.Of("claude-sonnet-4")),
            ("gen_ai.usage.prompt_tokens", OtlpValue.Of(40L)), ("gen_ai.usage.completion_tokens", OtlpValue.Of(5.0)));

        var e = Map(span).Event!;

        Assert.Equal(("anthropic", "claude-sonnet-4"), (e.Provider, e.ServedModel));
        Assert.Equal((40L, 5L), (e.InputTokens!.Value, e.OutputTokens!.Value));
        Assert.Null(e.CachedInputTokens);
    }

    [Fact]
    public void CurrentNames_WinOverDeprecatedOnes()
    {
        var span = Span(("gen_ai.operation.name", OtlpValue.Of("chat")), ("gen_ai.system", OtlpValue.Of("old")), ("gen_ai.provider.name", OtlpValue.Of("new")),
            ("gen_ai.usage.prompt_tokens", OtlpValue.Of(1L)), ("gen_ai.usage.input_tokens", OtlpValue.Of(2L)));

        var e = Map(span).Event!;

        Assert.Equal("new", e.Provider);
        Assert.Equal(2, e.InputTokens);
    }

    [Theory]
    [InlineData(null, "not a GenAI span")]
    [InlineData("execute_tool", "not a model call (execute_tool)")]
    [InlineData("invoke_agent", "not a model call (invoke_agent)")]
    public void SpansThatAreNotModelCalls_AreIgnoredWithTheReason(string? operation, string reason)
    {
        var span = operation is null ? Span(("http.request.method", OtlpValue.Of("GET"))) : Span(("gen_ai.operation.name", OtlpValue.Of(operation)));

        var mapping = Map(span);

        Assert.Equal(SpanVerdict.Ignored, mapping.Verdict);
        Assert.Equal(reason, mapping.Reason);
    }

    [Theory]
    [InlineData("chat")]
    [InlineData("text_completion")]
    [InlineData("generate_content")]
    [InlineData("embeddings")]
    public void EveryModelOperation_Counts(string operation) =>
        Assert.Equal(SpanVerdict.Event, Map(Span(("gen_ai.operation.name", OtlpValue.Of(operation)))).Verdict);

    [Fact]
    public void TheBundle_FromTheSpan_ThenTheResource_ThenAnOpenFeatureEvaluation()
    {
        var onSpan = Span(("gen_ai.operation.name", OtlpValue.Of("chat")), ("modelconsole.bundle", OtlpValue.Of("support-agent-v13")));
        Assert.Equal("support-agent-v13", Map(onSpan).Event!.Bundle);

        var flag = Span(("gen_ai.operation.name", OtlpValue.Of("chat")), ("feature_flag.key", OtlpValue.Of("support-agent")),
            ("feature_flag.result.variant", OtlpValue.Of("canary")), ("feature_flag.result.value", OtlpValue.Of("support-agent-v14")),
            ("feature_flag.context.id", OtlpValue.Of("user-42")));
        flag.ResourceAttributes = new Dictionary<string, OtlpValue>();
        var e = Map(flag).Event!;
        Assert.Equal("support-agent-v14", e.Bundle);
        Assert.Equal("user-42", e.Subject);

        flag.Attributes["feature_flag.result.variant"] = OtlpValue.Of("support-agent-v15");
        Assert.Equal("support-agent-v15", Map(flag).Event!.Bundle);

        // A flag that is not a family names no bundle.
        flag.Attributes["feature_flag.key"] = OtlpValue.Of("dark-mode");
        Assert.Equal((SpanVerdict.Rejected, OtlpMapping.NoBundle), (Map(flag).Verdict, Map(flag).Reason));
    }

    [Fact]
    public void ASpanWithoutABundle_IsRejectedWithTheReason()
    {
        var span = Span(("gen_ai.operation.name", OtlpValue.Of("chat")));
        span.ResourceAttributes = new Dictionary<string, OtlpValue>();

        var mapping = Map(span);

        Assert.Equal(SpanVerdict.Rejected, mapping.Verdict);
        Assert.Equal(OtlpMapping.NoBundle, mapping.Reason);
    }

    [Fact]
    public void WrongIds_NoStart_AndEndingBeforeStarting_AreRejected()
    {
        var shortTrace = Span(("gen_ai.operation.name", OtlpValue.Of("chat")));
        shortTrace.TraceId = Trace[..8];
        Assert.Equal(OtlpMapping.BadIds, Map(shortTrace).Reason);

        var longSpan = Span(("gen_ai.operation.name", OtlpValue.Of("chat")));
        longSpan.SpanId = Trace;
        Assert.Equal(OtlpMapping.BadIds, Map(longSpan).Reason);

        var noStart = Span(("gen_ai.operation.name", OtlpValue.Of("chat")));
        noStart.StartTimeUnixNano = 0;
        Assert.Equal(OtlpMapping.NoStart, Map(noStart).Reason);

        var backwards = Span(("gen_ai.operation.name", OtlpValue.Of("chat")));
        backwards.EndTimeUnixNano = backwards.StartTimeUnixNano - 1;
        Assert.Equal(OtlpMapping.EndsBeforeStart, Map(backwards).Reason);
    }

    [Fact]
    public void Errors_FromTheStatusOrErrorType()
    {
        var status = Span(("gen_ai.operation.name", OtlpValue.Of("chat")));
        status.Status = OtlpStatusCode.Error;
        Assert.Equal((false, "error"), (Map(status).Event!.Success!.Value, Map(status).Event!.ErrorType));

        var typed = Span(("gen_ai.operation.name", OtlpValue.Of("chat")), ("error.type", OtlpValue.Of("rate_limited")));
        Assert.Equal((false, "rate_limited"), (Map(typed).Event!.Success!.Value, Map(typed).Event!.ErrorType));

        var ok = Span(("gen_ai.operation.name", OtlpValue.Of("chat")));
        ok.Status = OtlpStatusCode.Ok;
        Assert.True(Map(ok).Event!.Success);
    }

    [Fact]
    public void EvaluationEvents_AreTheQualityScore_WhenOnTheZeroToOneScale()
    {
        var span = Span(("gen_ai.operation.name", OtlpValue.Of("chat")));
        var offScale = new OtlpSpanEvent { Name = OtlpMapping.EvaluationEvent };
        offScale.Attributes[OtlpMapping.EvaluationScore] = OtlpValue.Of(4.0);
        var score = new OtlpSpanEvent { Name = OtlpMapping.EvaluationEvent };
        score.Attributes[OtlpMapping.EvaluationScore] = OtlpValue.Of(0.8);
        span.Events.Add(new OtlpSpanEvent { Name = "gen_ai.content.prompt" });
        span.Events.Add(offScale);
        span.Events.Add(score);

        Assert.Equal(0.8, Map(span).Event!.QualityScore);
    }

    [Fact]
    public void IdsAndLinks_FromTheConsolesOwnAttributes()
    {
        var span = Span(("gen_ai.operation.name", OtlpValue.Of("chat")), ("modelconsole.request_id", OtlpValue.Of("req-9")),
            ("modelconsole.shadow_of", OtlpValue.Of("req-8")), ("modelconsole.subject", OtlpValue.Of("user-1")), ("gen_ai.conversation.id", OtlpValue.Of("conv")));

        var e = Map(span).Event!;

        Assert.Equal(("req-9", "req-8", "user-1"), (e.RequestId, e.ShadowOf, e.Subject));
    }

    [Fact]
    public void TokensThatAreNotWholeNumbers_AreAReadingErrorOnTheEvent()
    {
        var span = Span(("gen_ai.operation.name", OtlpValue.Of("chat")), ("gen_ai.usage.input_tokens", OtlpValue.Of("many")), ("gen_ai.usage.output_tokens", OtlpValue.Of(1.5)));

        var e = Map(span).Event!;

        Assert.True(e.Errors!.Has("inputTokens"));
        Assert.True(e.Errors.Has("outputTokens"));
    }

    /// <summary>The reader against bytes written by Google's own protobuf encoder, fields in any order and unknown ones skipped.</summary>
    [Fact]
    public void ProtobufReader_ReadsWhatGooglesEncoderWrites_SkippingUnknownFields()
    {
        static ByteString Message(Action<CodedOutputStream> write)
        {
            using var stream = new MemoryStream();
            var output = new CodedOutputStream(stream);
            write(output);
            output.Flush();
            return ByteString.CopyFrom(stream.ToArray());
        }

        static ByteString KeyValue(string key, Action<CodedOutputStream> value) => Message(o =>
        {
            o.WriteTag(1, WireFormat.WireType.LengthDelimited);
            o.WriteString(key);
            o.WriteTag(2, WireFormat.WireType.LengthDelimited);
            o.WriteBytes(Message(value));
        });

        var span = Message(o =>
        {
            o.WriteTag(99, WireFormat.WireType.Varint); // unknown: skipped
            o.WriteUInt64(7);
            o.WriteTag(5, WireFormat.WireType.LengthDelimited);
            o.WriteString("chat gpt-4o");
            o.WriteTag(1, WireFormat.WireType.LengthDelimited);
            o.WriteBytes(ByteString.CopyFrom(Trace));
            o.WriteTag(2, WireFormat.WireType.LengthDelimited);
            o.WriteBytes(ByteString.CopyFrom(SpanId));
            o.WriteTag(7, WireFormat.WireType.Fixed64);
            o.WriteFixed64(Nanos(Start));
            o.WriteTag(8, WireFormat.WireType.Fixed64);
            o.WriteFixed64(Nanos(Start) + 2_000_000);
            o.WriteTag(9, WireFormat.WireType.LengthDelimited);
            o.WriteBytes(KeyValue("gen_ai.operation.name", v => { v.WriteTag(1, WireFormat.WireType.LengthDelimited); v.WriteString("chat"); }));
            o.WriteTag(9, WireFormat.WireType.LengthDelimited);
            o.WriteBytes(KeyValue("gen_ai.usage.input_tokens", v => { v.WriteTag(3, WireFormat.WireType.Varint); v.WriteInt64(300); }));
            o.WriteTag(9, WireFormat.WireType.LengthDelimited);
            o.WriteBytes(KeyValue("temperature", v => { v.WriteTag(4, WireFormat.WireType.Fixed64); v.WriteDouble(0.25); }));
            o.WriteTag(9, WireFormat.WireType.LengthDelimited);
            o.WriteBytes(KeyValue("stream", v => { v.WriteTag(2, WireFormat.WireType.Varint); v.WriteBool(true); }));
            o.WriteTag(16, WireFormat.WireType.Fixed32); // flags: skipped
            o.WriteFixed32(1);
            o.WriteTag(15, WireFormat.WireType.LengthDelimited);
            o.WriteBytes(Message(s => { s.WriteTag(2, WireFormat.WireType.LengthDelimited); s.WriteString("boom"); s.WriteTag(3, WireFormat.WireType.Varint); s.WriteEnum(2); }));
        });
        var scopeSpans = Message(o => { o.WriteTag(2, WireFormat.WireType.LengthDelimited); o.WriteBytes(span); });
        var resource = Message(o =>
        {
            o.WriteTag(1, WireFormat.WireType.LengthDelimited);
            o.WriteBytes(KeyValue("modelconsole.bundle", v => { v.WriteTag(1, WireFormat.WireType.LengthDelimited); v.WriteString("support-agent-v12"); }));
        });
        // The resource after its spans: allowed on the wire.
        var resourceSpans = Message(o =>
        {
            o.WriteTag(2, WireFormat.WireType.LengthDelimited);
            o.WriteBytes(scopeSpans);
            o.WriteTag(1, WireFormat.WireType.LengthDelimited);
            o.WriteBytes(resource);
            o.WriteTag(3, WireFormat.WireType.LengthDelimited);
            o.WriteString("https://opentelemetry.io/schemas/1.28.0");
        });
        var request = Message(o => { o.WriteTag(1, WireFormat.WireType.LengthDelimited); o.WriteBytes(resourceSpans); }).ToByteArray();

        var read = OtlpProtobuf.Read(request, 10);

        Assert.Equal(OtlpProblem.None, read.Problem);
        var only = Assert.Single(read.Spans);
        Assert.Equal(Trace, only.TraceId);
        Assert.Equal("chat gpt-4o", only.Name);
        Assert.Equal(OtlpStatusCode.Error, only.Status);
        Assert.Equal("boom", only.StatusMessage);
        Assert.Equal(300, only.Attributes["gen_ai.usage.input_tokens"].Integer);
        Assert.Equal(0.25, only.Attributes["temperature"].Real);
        Assert.True(only.Attributes["stream"].Flag);
        var e = Map(only).Event!;
        Assert.Equal(("support-agent-v12", 2.0, false), (e.Bundle, e.LatencyMs!.Value, e.Success!.Value));

        // Every truncation of the same bytes is refused as undecodable, never thrown.
        for (var cut = 1; cut < request.Length; cut++)
        {
            var truncated = OtlpProtobuf.Read(request.AsSpan(0, cut), 10);
            Assert.True(truncated.Problem == OtlpProblem.Undecodable || truncated.Spans.Count == 0, $"cut at {cut}");
        }

        Assert.Equal(OtlpProblem.TooManySpans, OtlpProtobuf.Read([.. request, .. request], 1).Problem);
    }

    [Fact]
    public void Responses_AreOtlpsMessages()
    {
        Assert.Empty(OtlpProtobuf.Response(0, null));
        var partial = OtlpProtobuf.Response(3, "3 span(s) rejected");
        var input = new CodedInputStream(partial);
        Assert.Equal(WireFormat.MakeTag(1, WireFormat.WireType.LengthDelimited), input.ReadTag());
        var inner = new CodedInputStream(input.ReadBytes().ToByteArray());
        Assert.Equal(WireFormat.MakeTag(1, WireFormat.WireType.Varint), inner.ReadTag());
        Assert.Equal(3, inner.ReadInt64());
        Assert.Equal(WireFormat.MakeTag(2, WireFormat.WireType.LengthDelimited), inner.ReadTag());
        Assert.Equal("3 span(s) rejected", inner.ReadString());

        Assert.Equal("{}", System.Text.Encoding.UTF8.GetString(OtlpJson.Response(0, null)));
        Assert.Equal("""{"partialSuccess":{"rejectedSpans":"3","errorMessage":"x"}}""", System.Text.Encoding.UTF8.GetString(OtlpJson.Response(3, "x")));
    }
}
