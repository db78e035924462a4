using System.IO.Hashing;
using System.Text;
using ModelConsole.Core.Bundles;

namespace ModelConsole.Core.Tests.Routing;

public class BucketingTests
{
    // DESIGN.md "Routing": the known answers every gateway must reproduce.
    [Fact]
    public void XxHash64_OfTheDesignVector_IsTheKnownAnswer()
    {
        Assert.Equal(0xd28809f95678b660UL, XxHash64.HashToUInt64(Encoding.UTF8.GetBytes("support-agent:user-42")));
    }

    [Theory]
    [InlineData("support-agent", "user-42", 4048)]
    [InlineData("summarizer", "session-9f2c", 4839)]
    public void Bucket_MatchesTheDesignKnownAnswers(string salt, string subject, int bucket)
    {
        Assert.Equal(bucket, Bucketing.Bucket(salt, subject));
    }

    [Fact]
    public void Bucket_ReadsTheHashAsUnsigned_NotTheBytesInTheWrongOrder()
    {
        // The pitfall DESIGN.md names: BitConverter over XxHash64.Hash's big-endian bytes gives another number.
        var wrong = (int)(BitConverter.ToUInt64(XxHash64.Hash(Encoding.UTF8.GetBytes("support-agent:user-42"))) % 10_000);

        Assert.NotEqual(wrong, Bucketing.Bucket("support-agent", "user-42"));
    }

    [Fact]
    public void Bucket_HandlesNonAsciiAndLongSubjects()
    {
        var longSubject = new string('é', 2_000);
        var expected = (int)(XxHash64.HashToUInt64(Encoding.UTF8.GetBytes("fam:" + longSubject)) % 10_000);

        Assert.Equal(expected, Bucketing.Bucket("fam", longSubject));
        Assert.InRange(Bucketing.Bucket("fam", "ユーザー-7"), 0, 9_999);
    }

    [Fact]
    public void CanaryBuckets_AreNested_ASubjectInAtPIsInAtEveryLargerQ()
    {
        double[] percents = [0.01, 0.5, 1, 2.5, 5, 10, 12.34, 25];
        for (var i = 0; i < 20_000; i++)
        {
            var subject = "subject-" + i;
            var firstIn = Array.FindIndex(percents, p => Bucketing.IsIn("support-agent", subject, p));
            if (firstIn < 0)
            {
                continue;
            }

            for (var j = firstIn; j < percents.Length; j++)
            {
                Assert.True(Bucketing.IsIn("support-agent", subject, percents[j]), $"{subject} left the canary going from {percents[firstIn]} to {percents[j]} %");
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(25)]
    [InlineData(50)]
    public void ObservedShare_Over100000Subjects_IsWithinHalfAPointOfThePercent(double percent)
    {
        var inside = 0;
        for (var i = 0; i < 100_000; i++)
        {
            if (Bucketing.IsIn("summarizer", $"user-{i}", percent))
            {
                inside++;
            }
        }

        Assert.InRange(inside / 1000.0, percent - 0.5, percent + 0.5);
    }

    [Theory]
    [InlineData(5.0, true)]
    [InlineData(12.34, true)]
    [InlineData(0.01, true)]
    [InlineData(12.345, false)]
    [InlineData(double.NaN, false)]
    public void BucketResolution_IsTwoDecimals(double percent, bool ok) =>
        Assert.Equal(ok, Bucketing.HasBucketResolution(percent));
}

public class RoutingTableTests
{
    private static readonly FallbackTarget[] ActiveFallbacks = [new("azure-openai", "gpt-4o")];

    private static RoutingTable Table(CanaryRoute? canary = null, ShadowRoute? shadow = null, ExperimentRoute? experiment = null, string? active = "agent-v1") =>
        new(7, [new FamilyRoute("agent", 7, active, ActiveFallbacks, canary, [], shadow, experiment)]);

    [Fact]
    public void Resolve_WithoutCandidates_ServesTheActiveBundleWithItsFallbacks()
    {
        var decision = Table().Resolve("agent", "user-1");

        Assert.Equal(RouteOutcome.Served, decision.Outcome);
        Assert.Equal("agent-v1", decision.Bundle);
        Assert.Equal(Stage.Active, decision.Stage);
        Assert.Same(ActiveFallbacks, decision.Fallbacks);
        Assert.Null(decision.MirrorTo);
    }

    [Fact]
    public void Resolve_SendsExactlyTheSubjectsBelowTheCanaryThreshold_ToTheCanary()
    {
        var table = Table(canary: new CanaryRoute("agent-v2", 5));
        for (var i = 0; i < 2_000; i++)
        {
            var subject = "s" + i;
            var expected = Bucketing.Bucket("agent", subject) < 500 ? "agent-v2" : "agent-v1";
            Assert.Equal(expected, table.Resolve("agent", subject).Bundle);
        }
    }

    [Fact]
    public void Resolve_MirrorsBySaltFamilySlashShadow()
    {
        var table = Table(shadow: new ShadowRoute("agent-v3", 30));
        for (var i = 0; i < 2_000; i++)
        {
            var subject = "s" + i;
            var mirrored = Bucketing.Bucket("agent/shadow", subject) < 3_000;
            Assert.Equal(mirrored ? "agent-v3" : null, table.Resolve("agent", subject).MirrorTo);
            Assert.Equal("agent-v1", table.Resolve("agent", subject).Bundle);
        }
    }

    [Fact]
    public void Resolve_ARunningExperiment_TakesPrecedenceOverTheCanarySplit()
    {
        var table = Table(canary: new CanaryRoute("agent-v2", 25), experiment: new ExperimentRoute("exp-1", "agent-v1", "agent-v2", 50));
        for (var i = 0; i < 2_000; i++)
        {
            var subject = "s" + i;
            var armB = Bucketing.Bucket("exp-1", subject) < 5_000;
            var decision = table.Resolve("agent", subject);
            Assert.Equal(armB ? "agent-v2" : "agent-v1", decision.Bundle);
            Assert.Equal(armB ? 'B' : 'A', decision.ExperimentArm);
        }
    }

    [Theory]
    // DESIGN.md's known answers with the experiment id as salt: support-agent:user-42 → bucket 4048,
    // summarizer:session-9f2c → bucket 4839. Arm B when bucket < splitBPercent × 100.
    [InlineData("support-agent", "user-42", 40.49, 'B')]
    [InlineData("support-agent", "user-42", 40.48, 'A')]
    [InlineData("summarizer", "session-9f2c", 48.40, 'B')]
    [InlineData("summarizer", "session-9f2c", 48.39, 'A')]
    public void Resolve_AnExperimentAssigns_ByTheDesignsBucketWithItsIdAsSalt(string experimentId, string subject, double splitB, char arm)
    {
        // The canary split (25 % by the family's salt) does not apply while the experiment runs: only its own bucket counts.
        var table = Table(canary: new CanaryRoute("agent-v2", 25), experiment: new ExperimentRoute(experimentId, "agent-v1", "agent-v2", splitB));

        var decision = table.Resolve("agent", subject);

        Assert.Equal(arm, decision.ExperimentArm);
        Assert.Equal(arm == 'B' ? "agent-v2" : "agent-v1", decision.Bundle);
        Assert.Equal(arm == 'B' ? Stage.Canary : Stage.Active, decision.Stage);
    }

    [Fact]
    public void Resolve_UnknownFamilyAndNoActive_AreSaidAsSuch()
    {
        Assert.Equal(RouteOutcome.UnknownFamily, Table().Resolve("other", "s").Outcome);
        Assert.Equal(RouteOutcome.NoActiveBundle, Table(active: null).Resolve("agent", "s").Outcome);
    }
}
