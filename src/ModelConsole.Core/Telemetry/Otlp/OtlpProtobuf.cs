using System.Buffers.Binary;
using System.Text;

namespace ModelConsole.Core.Telemetry.Otlp;

/// <summary>
/// Reads an OTLP <c>ExportTraceServiceRequest</c> in the protobuf encoding, and writes OTLP's answers. A small
/// hand-checked reader of the protobuf wire format (varints, fixed 32/64-bit, length-delimited) over just the
/// messages and fields the mapping needs, with the field numbers of the OTLP specification
/// (opentelemetry/proto/trace/v1/trace.proto, common/v1/common.proto, resource/v1/resource.proto,
/// collector/trace/v1/trace_service.proto); every other field is skipped by its wire type, as protobuf requires.
/// </summary>
public static class OtlpProtobuf
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static OtlpTraces Read(ReadOnlySpan<byte> body, int maxSpans)
    {
        var spans = new List<OtlpSpan>();
        try
        {
            var reader = new Reader(body);
            while (!reader.End)
            {
                var (field, wire) = reader.Tag();
                if (field == 1 && wire == WireType.Len)
                {
                    ReadResourceSpans(reader.Bytes(), spans, maxSpans);
                }
                else
                {
                    reader.Skip(wire);
                }
            }
        }
        catch (TooManySpansException)
        {
            return OtlpTraces.TooMany(maxSpans);
        }
        catch (DecodeException ex)
        {
            return OtlpTraces.Undecodable(ex.Message);
        }

        return new OtlpTraces { Spans = spans };
    }

    private static void ReadResourceSpans(ReadOnlySpan<byte> message, List<OtlpSpan> spans, int maxSpans)
    {
        var first = spans.Count;
        Dictionary<string, OtlpValue>? resource = null;
        var reader = new Reader(message);
        while (!reader.End)
        {
            var (field, wire) = reader.Tag();
            switch (field)
            {
                case 1 when wire == WireType.Len:
                    resource = ReadResource(reader.Bytes());
                    break;
                case 2 when wire == WireType.Len:
                    ReadScopeSpans(reader.Bytes(), spans, maxSpans);
                    break;
                case 1 or 2:
                    throw new DecodeException($"ResourceSpans field {field} has the wrong wire type.");
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        // The resource may come after its spans on the wire.
        if (resource is not null)
        {
            for (var i = first; i < spans.Count; i++)
            {
                spans[i].ResourceAttributes = resource;
            }
        }
    }

    private static Dictionary<string, OtlpValue> ReadResource(ReadOnlySpan<byte> message)
    {
        var attributes = new Dictionary<string, OtlpValue>(StringComparer.Ordinal);
        var reader = new Reader(message);
        while (!reader.End)
        {
            var (field, wire) = reader.Tag();
            if (field == 1)
            {
                Expect(wire, WireType.Len, "Resource.attributes");
                ReadKeyValue(reader.Bytes(), attributes);
            }
            else
            {
                reader.Skip(wire);
            }
        }

        return attributes;
    }

    private static void ReadScopeSpans(ReadOnlySpan<byte> message, List<OtlpSpan> spans, int maxSpans)
    {
        var reader = new Reader(message);
        while (!reader.End)
        {
            var (field, wire) = reader.Tag();
            if (field == 2)
            {
                Expect(wire, WireType.Len, "ScopeSpans.spans");
                if (spans.Count == maxSpans)
                {
                    throw new TooManySpansException();
                }

                spans.Add(ReadSpan(reader.Bytes()));
            }
            else
            {
                reader.Skip(wire);
            }
        }
    }

    private static OtlpSpan ReadSpan(ReadOnlySpan<byte> message)
    {
        var span = new OtlpSpan();
        var reader = new Reader(message);
        while (!reader.End)
        {
            var (field, wire) = reader.Tag();
            switch (field)
            {
                case 1:
                    Expect(wire, WireType.Len, "Span.trace_id");
                    span.TraceId = reader.Bytes().ToArray();
                    break;
                case 2:
                    Expect(wire, WireType.Len, "Span.span_id");
                    span.SpanId = reader.Bytes().ToArray();
                    break;
                case 5:
                    Expect(wire, WireType.Len, "Span.name");
                    span.Name = Text(reader.Bytes());
                    break;
                case 7:
                    Expect(wire, WireType.Fixed64, "Span.start_time_unix_nano");
                    span.StartTimeUnixNano = reader.Fixed64();
                    break;
                case 8:
                    Expect(wire, WireType.Fixed64, "Span.end_time_unix_nano");
                    span.EndTimeUnixNano = reader.Fixed64();
                    break;
                case 9:
                    Expect(wire, WireType.Len, "Span.attributes");
                    ReadKeyValue(reader.Bytes(), span.Attributes);
                    break;
                case 11:
                    Expect(wire, WireType.Len, "Span.events");
                    span.Events.Add(ReadEvent(reader.Bytes()));
                    break;
                case 15:
                    Expect(wire, WireType.Len, "Span.status");
                    ReadStatus(reader.Bytes(), span);
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        return span;
    }

    private static OtlpSpanEvent ReadEvent(ReadOnlySpan<byte> message)
    {
        var e = new OtlpSpanEvent();
        var reader = new Reader(message);
        while (!reader.End)
        {
            var (field, wire) = reader.Tag();
            switch (field)
            {
                case 1:
                    Expect(wire, WireType.Fixed64, "Event.time_unix_nano");
                    e.TimeUnixNano = reader.Fixed64();
                    break;
                case 2:
                    Expect(wire, WireType.Len, "Event.name");
                    e.Name = Text(reader.Bytes());
                    break;
                case 3:
                    Expect(wire, WireType.Len, "Event.attributes");
                    ReadKeyValue(reader.Bytes(), e.Attributes);
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        return e;
    }

    private static void ReadStatus(ReadOnlySpan<byte> message, OtlpSpan span)
    {
        var reader = new Reader(message);
        while (!reader.End)
        {
            var (field, wire) = reader.Tag();
            switch (field)
            {
                case 2:
                    Expect(wire, WireType.Len, "Status.message");
                    span.StatusMessage = Text(reader.Bytes());
                    break;
                case 3:
                    Expect(wire, WireType.Varint, "Status.code");
                    span.Status = (OtlpStatusCode)(int)reader.Varint();
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }
    }

    private static void ReadKeyValue(ReadOnlySpan<byte> message, Dictionary<string, OtlpValue> into)
    {
        string? key = null;
        var value = OtlpValue.Other;
        var reader = new Reader(message);
        while (!reader.End)
        {
            var (field, wire) = reader.Tag();
            switch (field)
            {
                case 1:
                    Expect(wire, WireType.Len, "KeyValue.key");
                    key = Text(reader.Bytes());
                    break;
                case 2:
                    Expect(wire, WireType.Len, "KeyValue.value");
                    value = ReadAnyValue(reader.Bytes());
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        if (!string.IsNullOrEmpty(key))
        {
            into[key] = value;
        }
    }

    private static OtlpValue ReadAnyValue(ReadOnlySpan<byte> message)
    {
        var value = OtlpValue.Other;
        var reader = new Reader(message);
        while (!reader.End)
        {
            var (field, wire) = reader.Tag();
            switch (field)
            {
                case 1:
                    Expect(wire, WireType.Len, "AnyValue.string_value");
                    value = OtlpValue.Of(Text(reader.Bytes()));
                    break;
                case 2:
                    Expect(wire, WireType.Varint, "AnyValue.bool_value");
                    value = OtlpValue.Of(reader.Varint() != 0);
                    break;
                case 3:
                    Expect(wire, WireType.Varint, "AnyValue.int_value");
                    value = OtlpValue.Of((long)reader.Varint());
                    break;
                case 4:
                    Expect(wire, WireType.Fixed64, "AnyValue.double_value");
                    value = OtlpValue.Of(BitConverter.UInt64BitsToDouble(reader.Fixed64()));
                    break;
                default:
                    reader.Skip(wire);
                    value = OtlpValue.Other;
                    break;
            }
        }

        return value;
    }

    private static string Text(ReadOnlySpan<byte> utf8)
    {
        try
        {
            return StrictUtf8.GetString(utf8);
        }
        catch (DecoderFallbackException)
        {
            throw new DecodeException("A string is not valid UTF-8.");
        }
    }

    private static void Expect(WireType actual, WireType expected, string field)
    {
        if (actual != expected)
        {
            throw new DecodeException($"{field} has wire type {(int)actual}, not {(int)expected}.");
        }
    }

    /// <summary>
    /// <c>ExportTraceServiceResponse</c>: empty when every span was taken, else <c>partial_success</c> (field 1) with
    /// <c>rejected_spans</c> (1, int64) and <c>error_message</c> (2, string).
    /// </summary>
    public static byte[] Response(long rejectedSpans, string? errorMessage)
    {
        if (rejectedSpans == 0 && string.IsNullOrEmpty(errorMessage))
        {
            return [];
        }

        var inner = new Writer();
        if (rejectedSpans != 0)
        {
            inner.Varint(1, (ulong)rejectedSpans);
        }

        if (!string.IsNullOrEmpty(errorMessage))
        {
            inner.Text(2, errorMessage);
        }

        var outer = new Writer();
        outer.Bytes(1, inner.ToArray());
        return outer.ToArray();
    }

    /// <summary><c>google.rpc.Status</c>: the body OTLP/HTTP sends with an error status (code 1, message 2).</summary>
    public static byte[] Status(int code, string message)
    {
        var writer = new Writer();
        writer.Varint(1, (ulong)code);
        writer.Text(2, message);
        return writer.ToArray();
    }

    private enum WireType
    {
        Varint = 0,
        Fixed64 = 1,
        Len = 2,
        Fixed32 = 5,
    }

    private ref struct Reader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _at;

        public readonly bool End => _at >= _data.Length;

        public (int Field, WireType Wire) Tag()
        {
            var tag = Varint();
            var field = tag >> 3;
            if (field is 0 or > int.MaxValue >> 3)
            {
                throw new DecodeException("A field number is 0 or too large.");
            }

            var wire = (WireType)(int)(tag & 7);
            if (wire is not (WireType.Varint or WireType.Fixed64 or WireType.Len or WireType.Fixed32))
            {
                throw new DecodeException($"Wire type {(int)wire} is not one protobuf uses.");
            }

            return ((int)field, wire);
        }

        public ulong Varint()
        {
            ulong value = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                if (_at >= _data.Length)
                {
                    throw new DecodeException("The body ends inside a varint.");
                }

                var b = _data[_at++];
                value |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return value;
                }
            }

            throw new DecodeException("A varint is longer than 10 bytes.");
        }

        public ulong Fixed64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

        public ReadOnlySpan<byte> Bytes()
        {
            var length = Varint();
            if (length > (ulong)(_data.Length - _at))
            {
                throw new DecodeException("A length-delimited field runs past the end of its message.");
            }

            return Take((int)length);
        }

        public void Skip(WireType wire)
        {
            switch (wire)
            {
                case WireType.Varint:
                    Varint();
                    break;
                case WireType.Fixed64:
                    Take(8);
                    break;
                case WireType.Fixed32:
                    Take(4);
                    break;
                default:
                    Bytes();
                    break;
            }
        }

        private ReadOnlySpan<byte> Take(int count)
        {
            if (count > _data.Length - _at)
            {
                throw new DecodeException("The body ends inside a field.");
            }

            var slice = _data.Slice(_at, count);
            _at += count;
            return slice;
        }
    }

    private sealed class Writer
    {
        private readonly List<byte> _bytes = [];

        public void Varint(int field, ulong value)
        {
            Raw((ulong)field << 3);
            Raw(value);
        }

        public void Text(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

        public void Bytes(int field, byte[] value)
        {
            Raw(((ulong)field << 3) | 2);
            Raw((ulong)value.Length);
            _bytes.AddRange(value);
        }

        public byte[] ToArray() => [.. _bytes];

        private void Raw(ulong value)
        {
            while (value >= 0x80)
            {
                _bytes.Add((byte)(value | 0x80));
                value >>= 7;
            }

            _bytes.Add((byte)value);
        }
    }

    private sealed class DecodeException(string message) : Exception(message);

    private sealed class TooManySpansException : Exception;
}
