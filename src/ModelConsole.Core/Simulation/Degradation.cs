using ModelConsole.Core.Validation;

namespace ModelConsole.Core.Simulation;

/// <summary>What a demo degradation does to a bundle's simulated traffic.</summary>
public enum DegradationKind
{
    /// <summary>The error rate times <see cref="Degradation.Amount"/> (capped at 100 %).</summary>
    ErrorRate,

    /// <summary><see cref="Degradation.Amount"/> milliseconds added to every call.</summary>
    Latency,

    /// <summary>The quality score lowered by <see cref="Degradation.Amount"/> (on the 0–1 scale).</summary>
    Quality,
}

/// <summary>A degradation an admin switched on for a demo bundle, until <see cref="Until"/>.</summary>
public sealed record Degradation(Guid Id, string Bundle, string Family, DegradationKind Kind, double Amount, DateTime StartedAt, DateTime Until, string Actor)
{
    public bool IsActiveAt(DateTime utc) => utc >= StartedAt && utc < Until;

    /// <summary>In words, e.g. "error rate ×5" or "latency +800 ms".</summary>
    public string Describe() => Describe(Kind, Amount);

    public static string Describe(DegradationKind kind, double amount) => kind switch
    {
        DegradationKind.ErrorRate => $"error rate ×{amount:0.##}",
        DegradationKind.Latency => $"latency +{amount:0} ms",
        _ => $"quality −{amount:0.###}",
    };
}

/// <summary>A request to degrade a bundle, as the demo page sends it, checked before anything changes.</summary>
public sealed record DegradationDraft(string? Bundle, DegradationKind? Kind, double? Amount, double? DurationMinutes)
{
    public const double MaxErrorMultiplier = 50;
    public const double MaxLatencyMs = 60_000;
    public const double MaxDurationMinutes = 240;

    public ValidationErrors Validate()
    {
        var errors = new ValidationErrors();
        if (string.IsNullOrWhiteSpace(Bundle))
        {
            errors.Add("bundle", "Choose a bundle.");
        }

        switch (Kind)
        {
            case null:
                errors.Add("kind", "Choose what to degrade.");
                break;
            case DegradationKind.ErrorRate when Amount is not (> 1 and <= MaxErrorMultiplier):
                errors.Add("amount", $"The error rate multiplier is above 1 and at most {MaxErrorMultiplier:0}.");
                break;
            case DegradationKind.Latency when Amount is not (> 0 and <= MaxLatencyMs):
                errors.Add("amount", $"The added latency is above 0 and at most {MaxLatencyMs:0} ms.");
                break;
            case DegradationKind.Quality when Amount is not (> 0 and <= 1):
                errors.Add("amount", "The quality drop is above 0 and at most 1 (quality is scored from 0 to 1).");
                break;
        }

        if (DurationMinutes is not (>= 1 and <= MaxDurationMinutes))
        {
            errors.Add("durationMinutes", $"The duration is from 1 to {MaxDurationMinutes:0} minutes.");
        }

        return errors;
    }
}
