namespace ModelConsole.Core.Validation;

/// <summary>
/// An input a calculation refuses, named as the API spells the field (camelCase), with the reason in words: the web
/// layer reports it as that field's error without reading the exception's message.
/// </summary>
public sealed class InputOutOfRangeException : ArgumentOutOfRangeException
{
    /// <summary>Refuses <paramref name="value"/> of <paramref name="field"/> for <paramref name="reason"/>.</summary>
    public InputOutOfRangeException(string field, object? value, string reason)
        : base(field, value, reason)
    {
        Field = field;
        Reason = reason;
    }

    /// <summary>The field, as the API names it.</summary>
    public string Field { get; }

    /// <summary>Why, in words, without the exception's decorations.</summary>
    public string Reason { get; }
}

/// <summary>Runs Core's calculations for callers that answer field errors.</summary>
public static class Inputs
{
    /// <summary>
    /// The calculation's value, or the field error it refused an input with; <paramref name="field"/> maps Core's
    /// parameter names onto the caller's fields where they differ.
    /// </summary>
    public static Outcome<T> Check<T>(Func<T> compute, Func<string, string>? field = null)
    {
        ArgumentNullException.ThrowIfNull(compute);
        try
        {
            return Outcome<T>.Ok(compute());
        }
        catch (InputOutOfRangeException refused)
        {
            return Outcome<T>.Invalid(field?.Invoke(refused.Field) ?? refused.Field, refused.Reason);
        }
    }
}
