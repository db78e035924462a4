namespace ModelConsole.Web.Components.Controls;

public static class SetExtensions
{
    /// <summary>Puts <paramref name="item"/> in or out of the set, as a checkbox bound to membership does.</summary>
    public static void SetMember<T>(this ISet<T> set, T item, bool member)
    {
        if (member)
        {
            set.Add(item);
        }
        else
        {
            set.Remove(item);
        }
    }
}
