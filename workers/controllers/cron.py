"""Cron schedules as the CronJob controller reads them: robfig/cron v3's ParseStandard and
Schedule.Next (github.com/robfig/cron/v3 parser.go, spec.go, constantdelay.go).

Five fields (minute hour day-of-month month day-of-week), the @hourly-style descriptors and
@every <duration>; a "CRON_TZ=<zone> " prefix (what formatSchedule makes of spec.timeZone) sets
the zone the fields are read in. Validation (cluster.validation.cron) already rejected malformed
schedules with robfig's messages; a schedule that still fails here raises ValueError.
"""
import re
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, timedelta

_MONTHS = {m: i + 1 for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"))}
_DAYS = {d: i for i, d in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}
_BOUNDS = ((0, 59, None), (0, 23, None), (1, 31, None), (1, 12, _MONTHS), (0, 6, _DAYS))
_DESCRIPTORS = {"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
                "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
                "@hourly": "0 * * * *"}
_DURATION_PART = re.compile(r"([0-9]*(?:\.[0-9]*)?)(ns|us|µs|ms|s|m|h)")
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}
YEARS_AHEAD = 5  # robfig gives up (zero time) when no time matches within five years


@dataclass(frozen=True)
class SpecSchedule:
    minutes: frozenset
    hours: frozenset
    days_of_month: frozenset
    months: frozenset
    days_of_week: frozenset
    dom_star: bool  # the field was "*" or "?": robfig's starBit
    dow_star: bool
    zone: object = UTC

    def next(self, t):
        """The first matching minute strictly after `t` (an aware datetime), in UTC; None when
        none comes within five years (robfig's zero time)."""
        local = t.astimezone(self.zone).replace(tzinfo=None, second=0, microsecond=0)
        c = local + timedelta(minutes=1)
        limit = c.year + YEARS_AHEAD
        while c.year <= limit:
            if c.month not in self.months:
                c = (c.replace(day=1, hour=0, minute=0) + timedelta(days=32)).replace(day=1)
            elif not self._day_matches(c):
                c = c.replace(hour=0, minute=0) + timedelta(days=1)
            elif c.hour not in self.hours:
                c = c.replace(minute=0) + timedelta(hours=1)
            elif c.minute not in self.minutes:
                c += timedelta(minutes=1)
            else:
                return c.replace(tzinfo=self.zone).astimezone(UTC)
        return None

    def _day_matches(self, c):
        """dayMatches: with either day field a star both must match, else either may."""
        dom = c.day in self.days_of_month
        dow = (c.isoweekday() % 7) in self.days_of_week
        return dom and dow if self.dom_star or self.dow_star else dom or dow


@dataclass(frozen=True)
class ConstantDelaySchedule:
    """@every <duration>: whole seconds, at least one, after the previous run."""
    seconds: int

    def next(self, t):
        return (t + timedelta(seconds=self.seconds)).replace(microsecond=0).astimezone(UTC)


def parse_standard(spec):
    """cron.ParseStandard; raises ValueError for what it cannot read."""
    zone = UTC
    if spec.startswith(("TZ=", "CRON_TZ=")):
        name, _, spec = spec.partition(" ")
        try:
            zone = zoneinfo.ZoneInfo(name.partition("=")[2])
        except (ValueError, zoneinfo.ZoneInfoNotFoundError):
            raise ValueError(f"provided bad location {name.partition('=')[2]}") from None
        spec = spec.strip()
    if spec.startswith("@every "):
        return ConstantDelaySchedule(_every_seconds(spec[len("@every "):]))
    spec = _DESCRIPTORS.get(spec, spec)
    if spec.startswith("@"):
        raise ValueError(f"unrecognized descriptor: {spec}")
    fields = spec.split()
    if len(fields) != 5:
        raise ValueError(f"expected exactly 5 fields, found {len(fields)}: [{' '.join(fields)}]")
    parsed = [_field(text, *bounds) for text, bounds in zip(fields, _BOUNDS)]
    (minutes, _), (hours, _), (dom, dom_star), (months, _), (dow, dow_star) = parsed
    return SpecSchedule(minutes, hours, dom, months, dow, dom_star, dow_star, zone)


def _field(text, low, high, names):
    values, star = set(), False
    for expr in text.split(","):
        range_and_step = expr.split("/")
        low_and_high = range_and_step[0].split("-")
        step = int(range_and_step[1]) if len(range_and_step) == 2 else 1
        if low_and_high[0] in ("*", "?"):
            start, end, star = low, high, star or step == 1
        else:
            start = _value(low_and_high[0], names)
            end = _value(low_and_high[1], names) if len(low_and_high) == 2 else start
            if len(range_and_step) == 2 and len(low_and_high) == 1:
                end = high  # "N/step" means "N-max/step"
        if not (low <= start <= end <= high) or step < 1:
            raise ValueError(f"invalid range: {expr}")
        values.update(range(start, end + 1, step))
    return frozenset(values), star


def _value(text, names):
    return names[text.lower()] if names and text.lower() in names else int(text)


def _every_seconds(text):
    """Go's time.ParseDuration, rounded to whole seconds as ConstantDelaySchedule does (at
    least one)."""
    total, rest = 0.0, text.lstrip("+")
    if rest == "0":
        return 1
    while rest:
        match = _DURATION_PART.match(rest)
        if not match or match.group(1) in ("", "."):
            raise ValueError(f'time: invalid duration "{text}"')
        total += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        rest = rest[match.end():]
    return max(1, int(total + 0.5))


def time_zone(name):
    """spec.timeZone's location, or ValueError with Go's LoadLocation words."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        raise ValueError(f"unknown time zone {name}") from None
