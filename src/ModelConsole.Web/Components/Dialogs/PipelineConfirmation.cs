namespace ModelConsole.Web.Components.Dialogs;

/// <summary>What the person confirmed: the percent (for shadow, canary and ramp), the reason, and whether to override.</summary>
public sealed record PipelineConfirmation(double? Percent, string? Reason, bool Override);
