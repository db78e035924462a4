namespace ModelConsole.Core.Validation;

/// <summary>
/// The largest values any input may carry: past them a number is a unit mistake or an attack, never a fact, and
/// every sum and square of them stays finite (a cost of 1e160 once made every read of a bundle answer 500).
/// </summary>
public static class Limits
{
    /// <summary>One call's cost: more than ten thousand dollars is a unit mistake.</summary>
    public const double MaxCostPerCallUsd = 10_000;

    /// <summary>A price per million tokens.</summary>
    public const double MaxPricePerMillionUsd = 100_000;

    /// <summary>Requests a day, for plans.</summary>
    public const double MaxRequestsPerDay = 1e12;

    /// <summary>Days a plan may run: a century.</summary>
    public const double MaxDays = 36_500;

    /// <summary>Samples a plan may ask for, per arm.</summary>
    public const double MaxSamples = 1e15;

    /// <summary>A mean, a standard deviation or an absolute effect a plan may be given.</summary>
    public const double MaxValue = 1e12;

    /// <summary>An inflation factor or an allocation ratio.</summary>
    public const double MaxFactor = 1_000;

    /// <summary>
    /// Adds an error when <paramref name="value"/> is given and not finite or outside [<paramref name="min"/>,
    /// <paramref name="max"/>]; true when it is given and within.
    /// </summary>
    public static bool Within(double? value, string field, double min, double max, ValidationErrors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (value is not { } v)
        {
            return false;
        }

        if (!double.IsFinite(v) || v < min || v > max)
        {
            errors.Add(field, $"{field} must be a number from {Show(min)} to {Show(max)}.");
            return false;
        }

        return true;
    }

    private static string Show(double value) => Math.Abs(value) >= 1e6 ? value.ToString("0.###E+0", System.Globalization.CultureInfo.InvariantCulture) : value.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture);
}
