namespace ModelConsole.Data.Entities;

/// <summary>
/// An A/B experiment of a family: arm A its ACTIVE bundle, arm B its CANARY bundle, split by subject with the
/// experiment's id as salt. While it runs it is the only running one of its family (a partial unique index says so)
/// and routing reads it; it ends concluded by a person or by itself when arm B leaves CANARY, with its result kept.
/// </summary>
public sealed class ExperimentEntity
{
    public const string Running = "running";
    public const string Concluded = "concluded";
    public const string Ended = "ended";

    public required string Id { get; set; }
    public int FamilyId { get; set; }
    public required string Family { get; set; }
    public int ArmAId { get; set; }
    public required string ArmA { get; set; }
    public int ArmBId { get; set; }
    public required string ArmB { get; set; }

    /// <summary>An optional name a person reads ("shorter system prompt"), and what they expect to see.</summary>
    public string? Name { get; set; }
    public string? Hypothesis { get; set; }
    public double SplitBPercent { get; set; }
    public required string Metric { get; set; }
    public double Mde { get; set; }
    public required string MdeType { get; set; }
    public double Alpha { get; set; }
    public double Power { get; set; }
    public int Sides { get; set; }
    public double Baseline { get; set; }
    public double? StdDev { get; set; }
    public double PlannedPerArm { get; set; }
    public long PlannedPerArmA { get; set; }
    public long PlannedPerArmB { get; set; }
    public required string State { get; set; }
    public DateTime StartedAt { get; set; }

    /// <summary>The newest raw event's id when it started: its results read only events after it (a range of the primary key).</summary>
    public long FirstEventId { get; set; }
    public required string StartedBy { get; set; }
    public DateTime? EndedAt { get; set; }
    public string? EndedBy { get; set; }

    /// <summary>shipB, keepA or inconclusive when a person concluded it; null while running or when it ended by itself.</summary>
    public string? Decision { get; set; }
    public string? Reason { get; set; }

    /// <summary>The result as it stood when the experiment ended (JSON), so it outlives the raw events.</summary>
    public string? Result { get; set; }
}
