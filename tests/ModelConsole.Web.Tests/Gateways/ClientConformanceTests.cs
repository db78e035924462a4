using System.Text.Json;
using System.Text.Json.Nodes;
using ModelConsole.Client;
using ModelConsole.Web.Tests.Infrastructure;

namespace ModelConsole.Web.Tests.Gateways;

/// <summary>The .NET client against tests/conformance/routing-vectors.json: each case's family read from its wire shape, every subject resolved.</summary>
public class ClientConformanceTests
{
    [Fact]
    public async Task TheClient_AnswersEveryVector_WithItsReason()
    {
        var vectors = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Repository.Root, "tests", "conformance", "routing-vectors.json")))!;
        await using var client = new ModelConsoleClient(new ModelConsoleClientOptions { ConsoleUrl = new Uri("http://127.0.0.1:1/"), ApiKey = "unused" });
        var checkedSubjects = 0;
        foreach (var c in vectors["cases"]!.AsArray())
        {
            var family = c!["family"]!;
            var name = (string)family["name"]!;
            var wire = JsonSerializer.Deserialize(new JsonObject { ["version"] = 1, ["families"] = new JsonArray(family.DeepClone()) }.ToJsonString(), ClientJson.Default.WireTable)!;
            client.UseTable(ModelConsoleClient.ToTable(wire));
            foreach (var expected in c["expect"]!.AsArray())
            {
                var subject = (string)expected!["subject"]!;
                var answer = client.Resolve(name, subject);
                var where = $"{c["name"]}/{subject}";
                if (expected["error"] is not null)
                {
                    Assert.True(answer.Reason == ResolveReason.Default && answer.Bundle is null, where);
                    continue;
                }

                Assert.True((string?)expected["bundle"] == answer.Bundle, where);
                Assert.True(string.Equals((string?)expected["stage"], answer.Stage.ToString(), StringComparison.OrdinalIgnoreCase), where);
                Assert.True((string?)expected["mirrorTo"] == answer.MirrorTo, where);
                Assert.True((string?)expected["experimentArm"] == (answer.ExperimentArm == '\0' ? null : answer.ExperimentArm.ToString()), where);
                Assert.True((string?)expected["reason"] == answer.ReasonWord, where);
                checkedSubjects++;
            }
        }

        Assert.True(checkedSubjects >= 800, $"{checkedSubjects} subjects checked");
        Assert.True(client.ResolveCount() >= checkedSubjects, "every resolve is counted for the resolves metric");
    }
}
