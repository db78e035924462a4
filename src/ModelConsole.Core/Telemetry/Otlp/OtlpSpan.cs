namespace ModelConsole.Core.Telemetry.Otlp;

/// <summary>An OTLP attribute value, as far as the mapping reads one: text, a whole number, a real number or a flag.</summary>
public readonly record struct OtlpValue(OtlpValueKind Kind, string? Text = null, long Integer = 0, double Real = 0, bool Flag = false)
{
    public static OtlpValue Of(string text) => new(OtlpValueKind.String, Text: text);

    public static OtlpValue Of(long integer) => new(OtlpValueKind.Int, Integer: integer);

    public static OtlpValue Of(double real) => new(OtlpValueKind.Double, Real: real);

    public static OtlpValue Of(bool flag) => new(OtlpValueKind.Bool, Flag: flag);

    /// <summary>Arrays, key-value lists and bytes: present, but never read by the mapping.</summary>
    public static readonly OtlpValue Other = new(OtlpValueKind.Other);
}

/// <summary>The kinds of OTLP attribute value the mapping tells apart.</summary>
public enum OtlpValueKind : byte
{
    String,
    Int,
    Double,
    Bool,
    Other,
}

/// <summary>The status of a span (OTLP <c>Status.code</c>): unset, ok or error.</summary>
public enum OtlpStatusCode
{
    Unset = 0,
    Ok = 1,
    Error = 2,
}

/// <summary>A span event (OTLP <c>Span.Event</c>): its name and attributes.</summary>
public sealed class OtlpSpanEvent
{
    public string Name { get; set; } = string.Empty;

    public ulong TimeUnixNano { get; set; }

    public Dictionary<string, OtlpValue> Attributes { get; } = new(StringComparer.Ordinal);
}

/// <summary>
/// One span as read from an OTLP trace export (protobuf or JSON): the fields of OTLP's <c>Span</c> that the mapping
/// reads, its resource's attributes (shared by the resource's spans) and its position in the request.
/// </summary>
public sealed class OtlpSpan
{
    public byte[] TraceId { get; set; } = [];

    public byte[] SpanId { get; set; } = [];

    public string Name { get; set; } = string.Empty;

    public ulong StartTimeUnixNano { get; set; }

    public ulong EndTimeUnixNano { get; set; }

    public OtlpStatusCode Status { get; set; }

    public string? StatusMessage { get; set; }

    public Dictionary<string, OtlpValue> Attributes { get; } = new(StringComparer.Ordinal);

    public List<OtlpSpanEvent> Events { get; } = [];

    public IReadOnlyDictionary<string, OtlpValue> ResourceAttributes { get; set; } = Empty;

    internal static readonly Dictionary<string, OtlpValue> Empty = new(StringComparer.Ordinal);
}

/// <summary>Why a request body could not be read at all (then nothing is stored).</summary>
public enum OtlpProblem
{
    None,
    Undecodable,
    TooManySpans,
}

/// <summary>An OTLP trace export as read: its spans in order, or the reason it is not one.</summary>
public sealed class OtlpTraces
{
    public OtlpProblem Problem { get; init; }

    public string? Detail { get; init; }

    public IReadOnlyList<OtlpSpan> Spans { get; init; } = [];

    public static OtlpTraces Undecodable(string detail) => new() { Problem = OtlpProblem.Undecodable, Detail = detail };

    public static OtlpTraces TooMany(int max) => new() { Problem = OtlpProblem.TooManySpans, Detail = $"More than {max:N0} spans in one request." };
}
