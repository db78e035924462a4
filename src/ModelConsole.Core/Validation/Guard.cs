namespace ModelConsole.Core.Validation;

/// <summary>Argument checks for Core's calculations: the web layer validates first and reports field errors, Core still refuses nonsense.</summary>
internal static class Guard
{
    public static void Probability(double value, string name)
    {
        if (!(value > 0 && value < 1))
        {
            throw new InputOutOfRangeException(name, value, $"{name} must be strictly between 0 and 1.");
        }
    }

    public static void ProportionValue(double value, string name)
    {
        if (!(value >= 0 && value <= 1))
        {
            throw new InputOutOfRangeException(name, value, $"{name} must be a proportion between 0 and 1.");
        }
    }

    public static void Positive(double value, string name)
    {
        if (!(value > 0) || double.IsInfinity(value))
        {
            throw new InputOutOfRangeException(name, value, $"{name} must be a finite number greater than 0.");
        }
    }

    public static void NonNegative(double value, string name)
    {
        if (!(value >= 0) || double.IsInfinity(value))
        {
            throw new InputOutOfRangeException(name, value, $"{name} must be a finite number of at least 0.");
        }
    }

    public static void NonNegative(long value, string name)
    {
        if (value < 0)
        {
            throw new InputOutOfRangeException(name, value, $"{name} must be at least 0.");
        }
    }

    public static void Finite(double value, string name)
    {
        if (!double.IsFinite(value))
        {
            throw new InputOutOfRangeException(name, value, $"{name} must be a finite number.");
        }
    }

    public static void Percent(double value, string name, bool allowHundred)
    {
        var ok = value > 0 && (allowHundred ? value <= 100 : value < 100);
        if (!ok)
        {
            throw new InputOutOfRangeException(name, value,
                allowHundred ? $"{name} must be greater than 0 and at most 100." : $"{name} must be strictly between 0 and 100.");
        }
    }

    /// <summary>The exception for a request field, named as the API spells it (camelCase) so the web layer can map it to a field error.</summary>
    public static InputOutOfRangeException OutOfRange(string field, object? value, string message) => new(field, value, message);
}
