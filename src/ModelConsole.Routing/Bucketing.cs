using System.Buffers;
using System.IO.Hashing;
using System.Text;

namespace ModelConsole.Routing;

/// <summary>
/// The normative bucketing of DESIGN.md "Routing": XxHash64 (seed 0) of the UTF-8 bytes of salt + ":" + subject,
/// read as an unsigned 64-bit number, modulo 10,000. Gateways in any language must get the same answer.
/// </summary>
public static class Bucketing
{
    public const int Buckets = 10_000;
    private const int StackLimit = 512;

    public static int Bucket(string salt, string subject)
    {
        var length = Encoding.UTF8.GetByteCount(salt) + 1 + Encoding.UTF8.GetByteCount(subject);
        byte[]? rented = null;
        var buffer = length <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            var written = Encoding.UTF8.GetBytes(salt, buffer);
            buffer[written++] = (byte)':';
            written += Encoding.UTF8.GetBytes(subject, buffer[written..]);
            return (int)(XxHash64.HashToUInt64(buffer[..written]) % Buckets);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Buckets below this bound are in: a percent with at most two decimals is a whole number of buckets.</summary>
    public static int Threshold(double percent) => (int)Math.Round(percent * 100, MidpointRounding.AwayFromZero);

    public static bool IsIn(string salt, string subject, double percent) => Bucket(salt, subject) < Threshold(percent);

    /// <summary>True when the percent has at most two decimals (the bucket resolution is 0.01 %).</summary>
    public static bool HasBucketResolution(double percent) =>
        double.IsFinite(percent) && Math.Abs(percent * 100 - Math.Round(percent * 100)) < 1e-9;
}
