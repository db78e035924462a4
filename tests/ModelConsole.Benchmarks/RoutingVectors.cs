using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ModelConsole.Benchmarks;

/// <summary>
/// Writes tests/conformance/routing-vectors.json: routing tables in the routing-table wire shape, subjects, and what the
/// console's own resolve answers for each (bundle, stage, mirror, experiment arm, OFREP variant and reason, and the
/// three buckets). Run once when the cases change: <c>ModelConsole.Benchmarks routing-vectors PATH</c>. The known
/// answers of DESIGN.md "Routing" are among the buckets, and an independent implementation (the Node OFREP test's
/// own XxHash64) checks every vector, so the file is not only checked against the code that wrote it.
/// </summary>
public static class RoutingVectors
{
    private sealed record Case(string Name, string Note, JsonObject Family);

    public static async Task<int> WriteAsync(string[] args)
    {
        if (args is not [var path])
        {
            await Console.Error.WriteLineAsync("usage: routing-vectors PATH");
            return 2;
        }

        Case[] cases =
        [
            new("static", "only the ACTIVE bundle serves: reason STATIC", Family("support-agent", 3, "support-agent-v10", null, null, null)),
            new("canary-5", "a 5 % canary: subjects with bucket(family) < 500 get it", Family("support-agent", 6, "support-agent-v10", ("support-agent-v11", 5), null, null)),
            new("canary-and-shadow", "a canary at 12.34 % (1,234 buckets) and a shadow mirroring 30 % (salt family + \"/shadow\")",
                Family("summarizer", 5, "summarizer-v4", ("summarizer-v5", 12.34), ("summarizer-v6", 30), null)),
            new("experiment-over-canary", "a running experiment (salt = its id) replaces the canary split: arm B below 40 % of buckets",
                Family("ticket-triage", 9, "ticket-triage-v1", ("ticket-triage-v2", 10), null, ("exp-4f2a9c1d", "ticket-triage-v1", "ticket-triage-v2", 40))),
            new("no-active", "a family without an ACTIVE bundle: route answers 409, OFREP FLAG_NOT_FOUND", Family("new-family", 1, null, null, null, null)),
        ];

        string[] subjects = [.. Enumerable.Range(0, 200).Select(i => $"user-{i}"), "session-9f2c", "ünïcødé-🙂", "a", new string('x', 256)];
        var output = new JsonObject
        {
            ["description"] = "ModelConsole routing conformance vectors. bucket(salt, subject) = XxHash64(UTF-8 of salt + \":\" + subject, seed 0), read as an unsigned 64-bit integer, mod 10000. " +
                              "Canary: salt = family; the subject is in the canary when bucket < round(percent * 100). Shadow: salt = family + \"/shadow\"; mirrored when bucket < round(mirrorPercent * 100). " +
                              "Experiment: salt = experiment id; arm B when bucket < round(splitBPercent * 100), else arm A; a running experiment replaces the canary split. " +
                              "Each case's family is in the routing-table wire shape; each expectation gives the bundle, stage, mirrorTo, experimentArm, the OFREP variant and reason, and the three buckets. " +
                              "An SDK checks itself by resolving every subject of every case and comparing every field.",
            ["buckets"] = new JsonArray(
                Bucket("support-agent", "user-42"), Bucket("summarizer", "session-9f2c"), Bucket("support-agent/shadow", "user-42"),
                Bucket("exp-4f2a9c1d", "user-7"), Bucket("", ""), Bucket("family", "ünïcødé-🙂")),
        };
        var list = new JsonArray();
        foreach (var c in cases)
        {
            var table = ToTable(c.Family);
            var expectations = new JsonArray();
            foreach (var subject in subjects)
            {
                expectations.Add(Expect(table, c.Family, subject));
            }

            list.Add(new JsonObject { ["name"] = c.Name, ["note"] = c.Note, ["family"] = c.Family.DeepClone(), ["expect"] = expectations });
        }

        output["cases"] = list;
        var options = new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        await File.WriteAllTextAsync(path, output.ToJsonString(options) + "\n");
        Console.WriteLine($"wrote {list.Count} cases x {subjects.Length} subjects to {path}");
        return 0;
    }

    private static JsonObject Bucket(string salt, string subject) => new() { ["salt"] = salt, ["subject"] = subject, ["bucket"] = Bucketing.Bucket(salt, subject) };

    private static JsonObject Family(string name, long routingVersion, string? active, (string Bundle, double Percent)? canary, (string Bundle, double Percent)? shadow,
        (string Id, string ArmA, string ArmB, double Split)? experiment) => new()
    {
        ["name"] = name,
        ["routingVersion"] = routingVersion,
        ["active"] = active,
        ["canary"] = canary is { } c ? new JsonObject { ["bundle"] = c.Bundle, ["percent"] = c.Percent } : null,
        ["shadow"] = shadow is { } s ? new JsonObject { ["bundle"] = s.Bundle, ["mirrorPercent"] = s.Percent } : null,
        ["experiment"] = experiment is { } e ? new JsonObject { ["id"] = e.Id, ["armA"] = e.ArmA, ["armB"] = e.ArmB, ["splitBPercent"] = e.Split } : null,
    };

    private static RoutingTable ToTable(JsonObject f) => new(f["routingVersion"]!.GetValue<long>(), [new FamilyRoute(
        f["name"]!.GetValue<string>(), f["routingVersion"]!.GetValue<long>(), (string?)f["active"], [],
        f["canary"] is JsonObject c ? new CanaryRoute((string)c["bundle"]!, (double)c["percent"]!) : null, [],
        f["shadow"] is JsonObject s ? new ShadowRoute((string)s["bundle"]!, (double)s["mirrorPercent"]!) : null,
        f["experiment"] is JsonObject e ? new ExperimentRoute((string)e["id"]!, (string)e["armA"]!, (string)e["armB"]!, (double)e["splitBPercent"]!) : null)]);

    private static JsonObject Expect(RoutingTable table, JsonObject family, string subject)
    {
        var name = family["name"]!.GetValue<string>();
        var decision = table.Resolve(name, subject);
        var buckets = new JsonObject
        {
            ["canary"] = Bucketing.Bucket(name, subject),
            ["shadow"] = Bucketing.Bucket(name + "/shadow", subject),
            ["experiment"] = family["experiment"] is JsonObject e ? Bucketing.Bucket((string)e["id"]!, subject) : null,
        };
        if (decision.Outcome != RouteOutcome.Served)
        {
            return new JsonObject { ["subject"] = subject, ["bundle"] = null, ["error"] = "FLAG_NOT_FOUND", ["buckets"] = buckets };
        }

        var route = decision.Route!;
        return new JsonObject
        {
            ["subject"] = subject,
            ["bundle"] = decision.Bundle,
            ["stage"] = decision.Stage == Stage.Canary ? "CANARY" : "ACTIVE",
            ["mirrorTo"] = decision.MirrorTo,
            ["experimentArm"] = decision.ExperimentArm == '\0' ? null : decision.ExperimentArm.ToString(),
            ["variant"] = decision.ExperimentArm switch { 'A' => "experiment-a", 'B' => "experiment-b", _ => decision.Stage == Stage.Canary ? "canary" : "active" },
            ["reason"] = route.IsSplit ? "SPLIT" : "STATIC",
            ["buckets"] = buckets,
        };
    }
}
