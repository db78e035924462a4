namespace ModelConsole.Web.Components.Dialogs;

/// <summary>What the person confirmed: the percent (for shadow, canary and ramp), the reason, and whether to override.</summary>
public sealed record PipelineConfirmation(double? Percent, string? Reason, bool Override);

/// <summary>
/// The pipeline confirmation's state without the dialog: the percent as typed (any value, even none, is held and
/// named, never clamped), the reason, the override, and whether the action may be confirmed now.
/// </summary>
public sealed class ConfirmModel
{
    /// <summary>The percent asked for, or null when the action takes none.</summary>
    public string? PercentLabel { get; init; }

    public double PercentMin { get; init; } = 1;

    public double PercentMax { get; init; } = 100;

    public double? Percent { get; set; }

    public string? Reason { get; set; }

    public bool Override { get; set; }

    /// <summary>A rollback always needs a reason; an override does too.</summary>
    public bool RequireReason { get; init; }

    public IReadOnlyList<Core.Pipeline.Gate> Gates { get; init; } = [];

    public bool GatesFailed => Gates.Any(g => !g.Passed);

    public bool ReasonRequired => RequireReason || Override;

    public bool ReasonMissing => ReasonRequired && string.IsNullOrWhiteSpace(Reason);

    /// <summary>Why the typed percent cannot be taken, in words, or null.</summary>
    public string? PercentError => PercentLabel is null ? null
        : Percent is not { } p ? "Give a percent."
        : !double.IsFinite(p) || p < PercentMin || p > PercentMax ? $"The percent is from {PercentMin:0} to {PercentMax:0}."
        : !Bucketing.HasBucketResolution(p) ? "At most two decimals (the bucket resolution is 0.01 %)." : null;

    /// <summary>True when a valid percent is given and the gates passed or are overridden.</summary>
    public bool CanConfirm => PercentError is null && (!GatesFailed || Override);

    /// <summary>What goes to the pipeline.</summary>
    public PipelineConfirmation ToConfirmation() => new(Percent, string.IsNullOrWhiteSpace(Reason) ? null : Reason.Trim(), Override);
}
