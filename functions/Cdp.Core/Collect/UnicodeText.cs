using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace Cdp.Core.Collect;

/// <summary>
/// Finds, in a JSON body, what no string can hold: bytes that are not UTF-8 and <c>\uXXXX</c> escapes that are lone
/// surrogates. The JSON reader accepts both and fails only when a value is read (deep in the pipeline); found here,
/// at intake, they are replaced without moving anything (a byte by <c>?</c>, an escape by <c>\ufffd</c>) so that the
/// body parses and each batch entry holding one can be refused on its own.
/// </summary>
internal static class UnicodeText
{
    /// <summary>The byte offsets of the invalid text, or null when there is none (the common case: two vectorized scans).</summary>
    public static List<int>? Find(ReadOnlySpan<byte> body)
    {
        List<int>? found = null;
        if (!Utf8.IsValid(body))
        {
            for (var i = 0; i < body.Length;)
            {
                if (Rune.DecodeFromUtf8(body[i..], out _, out var consumed) == OperationStatus.InvalidData)
                {
                    for (var j = 0; j < consumed; j++)
                    {
                        (found ??= []).Add(i + j);
                    }
                }

                i += Math.Max(consumed, 1);
            }
        }

        // From the first backslash (the start of an escape), taking escapes whole: "\\u" is a backslash, then a u.
        var first = body.IndexOf("\\u"u8) < 0 ? -1 : body.IndexOf((byte)'\\');
        for (var i = first < 0 ? body.Length : first; i < body.Length - 1;)
        {
            if (body[i] != (byte)'\\')
            {
                i++;
                continue;
            }

            if (body[i + 1] != (byte)'u' || !TryHex(body, i + 2, out var unit))
            {
                i += 2; // another escape (\\, \", \n...), taken whole so that "\\u" is a backslash then a u
                continue;
            }

            if (char.IsHighSurrogate((char)unit) && i + 12 <= body.Length && body[i + 6] == (byte)'\\' && body[i + 7] == (byte)'u' && TryHex(body, i + 8, out var low) && char.IsLowSurrogate((char)low))
            {
                i += 12;
                continue;
            }

            if (char.IsSurrogate((char)unit))
            {
                (found ??= []).Add(i);
            }

            i += 6;
        }

        return found;
    }

    /// <summary>The body with the invalid text replaced in place (same length, same offsets).</summary>
    public static byte[] Repaired(ReadOnlySpan<byte> body, List<int> offsets)
    {
        var repaired = body.ToArray();
        foreach (var at in offsets)
        {
            if (repaired[at] == (byte)'\\')
            {
                "\\ufffd"u8.CopyTo(repaired.AsSpan(at));
            }
            else
            {
                repaired[at] = (byte)'?';
            }
        }

        return repaired;
    }

    private static bool TryHex(ReadOnlySpan<byte> body, int at, out int value)
    {
        value = 0;
        if (at + 4 > body.Length)
        {
            return false;
        }

        for (var k = 0; k < 4; k++)
        {
            var digit = HexDigit(body[at + k]);
            if (digit < 0)
            {
                return false;
            }

            value = (value << 4) | digit;
        }

        return true;
    }

    private static int HexDigit(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };
}
