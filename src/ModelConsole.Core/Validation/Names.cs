namespace ModelConsole.Core.Validation;

/// <summary>The naming rule shared by families and bundles: lower-case letters, digits and '-', starting with a letter, 2–64 characters.</summary>
public static class Names
{
    public const int MinLength = 2;
    public const int MaxLength = 64;

    /// <summary>Returns null when the name is valid, else a message that says what is wrong.</summary>
    public static string? Check(string? name, string what)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return $"The {what} name is required.";
        }

        if (name.Length < MinLength || name.Length > MaxLength)
        {
            return $"The {what} name must be {MinLength}–{MaxLength} characters long (it has {name.Length}).";
        }

        if (name[0] is < 'a' or > 'z')
        {
            return $"The {what} name must start with a lower-case letter.";
        }

        foreach (var c in name)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
            {
                return $"The {what} name may contain only lower-case letters, digits and '-'.";
            }
        }

        return null;
    }

    public static bool IsValid(string? name) => Check(name, "") is null;
}
