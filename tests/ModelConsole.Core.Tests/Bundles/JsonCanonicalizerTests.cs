using System.Buffers.Binary;
using ModelConsole.Core.Bundles;

namespace ModelConsole.Core.Tests.Bundles;

public class JsonCanonicalizerTests
{
    // RFC 8785 Appendix B: IEEE 754 bit patterns and their ECMAScript serialisation (also checked with node here).
    [Theory]
    [InlineData("0000000000000000", "0")]
    [InlineData("8000000000000000", "0")]
    [InlineData("0000000000000001", "5e-324")]
    [InlineData("8000000000000001", "-5e-324")]
    [InlineData("7fefffffffffffff", "1.7976931348623157e+308")]
    [InlineData("ffefffffffffffff", "-1.7976931348623157e+308")]
    [InlineData("4340000000000000", "9007199254740992")]
    [InlineData("c340000000000000", "-9007199254740992")]
    [InlineData("4430000000000000", "295147905179352830000")]
    [InlineData("44b52d02c7e14af5", "9.999999999999997e+22")]
    [InlineData("44b52d02c7e14af6", "1e+23")]
    [InlineData("44b52d02c7e14af7", "1.0000000000000001e+23")]
    [InlineData("444b1ae4d6e2ef4e", "999999999999999700000")]
    [InlineData("444b1ae4d6e2ef4f", "999999999999999900000")]
    [InlineData("444b1ae4d6e2ef50", "1e+21")]
    [InlineData("3eb0c6f7a0b5ed8c", "9.999999999999997e-7")]
    [InlineData("3eb0c6f7a0b5ed8d", "0.000001")]
    [InlineData("41b3de4355555553", "333333333.3333332")]
    [InlineData("41b3de4355555554", "333333333.33333325")]
    [InlineData("41b3de4355555555", "333333333.3333333")]
    [InlineData("41b3de4355555556", "333333333.3333334")]
    [InlineData("41b3de4355555557", "333333333.33333343")]
    [InlineData("becbf647612f3696", "-0.0000033333333333333333")]
    [InlineData("43143ff3c1cb0959", "1424953923781206.2")]
    public void FormatNumber_MatchesRfc8785Vectors(string ieeeHex, string expected)
    {
        var value = BitConverter.Int64BitsToDouble(BinaryPrimitives.ReadInt64BigEndian(Convert.FromHexString(ieeeHex)));

        Assert.Equal(expected, JsonCanonicalizer.FormatNumber(value));
    }

    [Fact]
    public void Canonicalize_Rfc8785Example_GivesThePublishedOutput()
    {
        const string input = """
            {
              "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
              "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
              "literals": [null, true, false]
            }
            """;

        var canonical = JsonCanonicalizer.Canonicalize(input);

        Assert.Equal("{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],\"string\":\"€$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}", canonical);
    }

    [Fact]
    public void Canonicalize_SortsKeysByUtf16CodeUnits_AsRfc8785Section323()
    {
        const string input = """{"\u20ac":"Euro Sign","\r":"Carriage Return","\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One","\ud83d\ude00":"Emoji: Grinning Face","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis"}""";

        var canonical = JsonCanonicalizer.Canonicalize(input);

        Assert.Equal("{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u0080\":\"Control\",\"\u00f6\":\"Latin Small Letter O With Diaeresis\",\"\u20ac\":\"Euro Sign\",\"\ud83d\ude00\":\"Emoji: Grinning Face\",\"\ufb33\":\"Hebrew Letter Dalet With Dagesh\"}", canonical);
    }

    [Fact]
    public void Canonicalize_IgnoresKeyOrderAndWhiteSpace_AtEveryDepth()
    {
        var a = JsonCanonicalizer.Canonicalize("""{"b":1,"a":{"y":[1, 2, {"q":true,"p":null}],"x":"s"}}""");
        var b = JsonCanonicalizer.Canonicalize("""
            {
                "a" : { "x" : "s", "y" : [ 1.0, 2e0, { "p" : null, "q" : true } ] },
                "b" : 1
            }
            """);

        Assert.Equal(a, b);
        Assert.Equal("""{"a":{"x":"s","y":[1,2,{"p":null,"q":true}]},"b":1}""", a);
    }

    [Fact]
    public void Canonicalize_KeepsArrayOrder()
    {
        Assert.NotEqual(JsonCanonicalizer.Canonicalize("[1,2]"), JsonCanonicalizer.Canonicalize("[2,1]"));
    }

    [Fact]
    public void Canonicalize_RejectsDuplicateKeys()
    {
        var ex = Assert.Throws<FormatException>(() => JsonCanonicalizer.Canonicalize("""{"a":1,"a":2}"""));
        Assert.Contains("\"a\"", ex.Message);
    }

    [Fact]
    public void Canonicalize_RejectsNumbersBeyondDoubleRange()
    {
        Assert.Throws<FormatException>(() => JsonCanonicalizer.Canonicalize("""{"a":1e400}"""));
    }
}
