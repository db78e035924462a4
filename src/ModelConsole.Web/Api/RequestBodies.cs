using System.Buffers;
using Microsoft.AspNetCore.Http.Features;

namespace ModelConsole.Web.Api;

/// <summary>Request bodies read whole, with a byte limit checked before and while reading.</summary>
public static class RequestBodies
{
    /// <summary>Reads the whole body into a pooled buffer, or gives no buffer when it is over <paramref name="limit"/>.</summary>
    public static async Task<(byte[]? Buffer, int Length)> ReadAsync(HttpRequest request, long limit, CancellationToken cancellationToken)
    {
        var declared = request.ContentLength;
        if (declared > limit)
        {
            return (null, 0);
        }

        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = limit;
        }

        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(limit, declared ?? 64 * 1024) + 1);
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > limit)
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        return (null, 0);
                    }

                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(limit + 1, (long)buffer.Length * 2));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken);
                if (read == 0)
                {
                    break;
                }

                length += read;
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return (null, 0);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }

        if (length > limit)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return (null, 0);
        }

        return (buffer, length);
    }

    /// <summary>
    /// Inflates a gzip body into a pooled buffer, refusing (no buffer) what inflates past <paramref name="limit"/>;
    /// <c>Invalid</c> when it is not gzip.
    /// </summary>
    public static (byte[]? Buffer, int Length, bool Invalid) Gunzip(ReadOnlySpan<byte> compressed, long limit)
    {
        using var source = new System.IO.Compression.GZipStream(new MemoryStream(compressed.ToArray()), System.IO.Compression.CompressionMode.Decompress);
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(limit + 1, Math.Max(4096, (long)compressed.Length * 4)));
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > limit)
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        return (null, 0, false);
                    }

                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(limit + 1, (long)buffer.Length * 2));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = source.Read(buffer, length, buffer.Length - length);
                if (read == 0)
                {
                    break;
                }

                length += read;
            }
        }
        catch (InvalidDataException)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return (null, 0, true);
        }

        if (length > limit)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return (null, 0, false);
        }

        return (buffer, length, false);
    }
}
