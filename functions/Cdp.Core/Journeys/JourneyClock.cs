namespace Cdp.Core.Journeys;

/// <summary>
/// The arithmetic of <c>wait</c> steps, pure so that an orchestrator can use it on replay: the instant a wait
/// ends, from the orchestration's own clock.
/// </summary>
public static class JourneyClock
{
    /// <summary>
    /// <paramref name="nowUtc"/> plus <paramref name="duration"/>, then, with <paramref name="until"/>, on to the next
    /// moment that time of day is reached in <paramref name="zone"/> (the same day when still ahead, else the next).
    /// A time of day that a daylight-saving jump skips is taken as the first instant after the jump; one that
    /// occurs twice, as the first occurrence.
    /// </summary>
    public static DateTime FireAt(DateTime nowUtc, TimeSpan? duration, TimeOnly? until, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var at = DateTime.SpecifyKind(nowUtc, DateTimeKind.Utc) + (duration ?? TimeSpan.Zero);
        if (until is not { } timeOfDay)
        {
            return at;
        }

        var local = TimeZoneInfo.ConvertTimeFromUtc(at, zone);
        var day = DateOnly.FromDateTime(local);
        for (var i = 0; i < 3; i++, day = day.AddDays(1))
        {
            var candidate = ToUtc(day.ToDateTime(timeOfDay), zone);
            if (candidate > at)
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("No time of day found within three days."); // unreachable: every day has the time once
    }

    /// <summary>Finds an IANA (or Windows) time zone by id.</summary>
    public static bool TryFindZone(string? id, out TimeZoneInfo zone)
    {
        zone = TimeZoneInfo.Utc;
        if (string.IsNullOrWhiteSpace(id))
        {
            return false;
        }

        return TimeZoneInfo.TryFindSystemTimeZoneById(id, out zone!);
    }

    private static DateTime ToUtc(DateTime local, TimeZoneInfo zone)
    {
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        while (zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(1); // skipped by a daylight-saving jump: the first valid minute after it
        }

        if (zone.IsAmbiguousTime(local))
        {
            // Twice (clocks go back): the first occurrence, i.e. the larger offset.
            var offset = zone.GetAmbiguousTimeOffsets(local).Max();
            return new DateTimeOffset(local, offset).UtcDateTime;
        }

        return TimeZoneInfo.ConvertTimeToUtc(local, zone);
    }
}
