using ModelConsole.Core.Bundles;
using System.Text.Json.Nodes;

namespace ModelConsole.Core.Tests.Routing;

/// <summary>
/// The console's resolve against tests/conformance/routing-vectors.json, the file every SDK checks itself with (the
/// .NET client and the Node OFREP test check it too, the latter with its own XxHash64).
/// </summary>
public class RoutingVectorsTests
{
    internal static JsonObject Load()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "ModelConsole.sln")))
        {
            directory = directory.Parent;
        }

        Assert.NotNull(directory);
        return JsonNode.Parse(File.ReadAllText(Path.Combine(directory.FullName, "tests", "conformance", "routing-vectors.json")))!.AsObject();
    }

    [Fact]
    public void Buckets_AreTheVectors_IncludingDesignsKnownAnswers()
    {
        var buckets = Load()["buckets"]!.AsArray();
        Assert.Contains(buckets, b => (string?)b!["salt"] == "support-agent" && (string?)b["subject"] == "user-42" && (int)b["bucket"]! == 4048);
        Assert.Contains(buckets, b => (string?)b!["salt"] == "summarizer" && (string?)b["subject"] == "session-9f2c" && (int)b["bucket"]! == 4839);
        foreach (var b in buckets)
        {
            Assert.Equal((int)b!["bucket"]!, Bucketing.Bucket((string)b["salt"]!, (string)b["subject"]!));
        }
    }

    [Fact]
    public void Resolve_AnswersEveryVector()
    {
        var cases = Load()["cases"]!.AsArray();
        Assert.True(cases.Count >= 5);
        foreach (var c in cases)
        {
            var f = c!["family"]!.AsObject();
            var name = (string)f["name"]!;
            var table = new RoutingTable(1, [new FamilyRoute(name, (long)f["routingVersion"]!, (string?)f["active"], [],
                f["canary"] is JsonObject canary ? new CanaryRoute((string)canary["bundle"]!, (double)canary["percent"]!) : null, [],
                f["shadow"] is JsonObject shadow ? new ShadowRoute((string)shadow["bundle"]!, (double)shadow["mirrorPercent"]!) : null,
                f["experiment"] is JsonObject e ? new ExperimentRoute((string)e["id"]!, (string)e["armA"]!, (string)e["armB"]!, (double)e["splitBPercent"]!) : null)]);
            foreach (var expected in c["expect"]!.AsArray())
            {
                var subject = (string)expected!["subject"]!;
                var decision = table.Resolve(name, subject);
                var where = $"{c["name"]}/{subject}";
                Assert.True((string?)expected["bundle"] == decision.Bundle, where);
                Assert.Equal((int)expected["buckets"]!["canary"]!, Bucketing.Bucket(name, subject));
                if (decision.Outcome != RouteOutcome.Served)
                {
                    continue;
                }

                Assert.True((string?)expected["stage"] == decision.Stage.ToWire(), where);
                Assert.True((string?)expected["mirrorTo"] == decision.MirrorTo, where);
                Assert.True((string?)expected["experimentArm"] == (decision.ExperimentArm == '\0' ? null : decision.ExperimentArm.ToString()), where);
            }
        }
    }
}
