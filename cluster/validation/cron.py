"""CronJob schedules, parsed as robfig/cron's ParseStandard does, with its error messages."""
import re

# (min, max, names) for minute, hour, day of month, month, day of week.
_MONTHS = {m: i + 1 for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"))}
_DAYS = {d: i for i, d in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}
_FIELDS = ((0, 59, None), (0, 23, None), (1, 31, None), (1, 12, _MONTHS), (0, 6, _DAYS))
_DESCRIPTORS = {"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"}
_DURATION = re.compile(r"[-+]?(([0-9]*(\.[0-9]*)?)(ns|us|µs|ms|s|m|h))+|0")


def schedule_error(spec):
    """The parse error for a schedule, or None if it is valid."""
    if not spec:
        return "empty spec string"
    if spec.startswith(("TZ=", "CRON_TZ=")):
        spec = spec.partition(" ")[2].strip()
    if spec.startswith("@"):
        return _descriptor_error(spec)
    fields = spec.split()
    if len(fields) != 5:
        return f"expected exactly 5 fields, found {len(fields)}: [{' '.join(fields)}]"
    for text, bounds in zip(fields, _FIELDS):
        for expr in text.split(","):
            error = _range_error(expr, *bounds)
            if error:
                return error
    return None


def _descriptor_error(spec):
    if spec in _DESCRIPTORS:
        return None
    if spec.startswith("@every "):
        duration = spec[len("@every "):]
        return None if _DURATION.fullmatch(duration) else (
            f"failed to parse duration {spec}: time: invalid duration \"{duration}\"")
    return f"unrecognized descriptor: {spec}"


def _range_error(expr, low, high, names):
    range_and_step = expr.split("/")
    low_and_high = range_and_step[0].split("-")
    try:
        if low_and_high[0] in ("*", "?"):
            start, end = low, high
        else:
            start = _int_or_name(low_and_high[0], names)
            if len(low_and_high) > 2:
                return f"too many hyphens: {expr}"
            end = _int_or_name(low_and_high[1], names) if len(low_and_high) == 2 else start
        if len(range_and_step) > 2:
            return f"too many slashes: {expr}"
        step = _int(range_and_step[1]) if len(range_and_step) == 2 else 1
    except ValueError as e:
        return str(e)
    if len(range_and_step) == 2 and len(low_and_high) == 1:
        end = high  # "N/step" means "N-max/step"
    if start < low:
        return f"beginning of range ({start}) below minimum ({low}): {expr}"
    if end > high:
        return f"end of range ({end}) above maximum ({high}): {expr}"
    if start > end:
        return f"beginning of range ({start}) beyond end of range ({end}): {expr}"
    if step == 0:
        return f"step of range should be a positive number: {expr}"
    return None


def _int_or_name(text, names):
    if names and text.lower() in names:
        return names[text.lower()]
    return _int(text)


def _int(text):
    if not re.fullmatch(r"[-+]?[0-9]+", text):
        raise ValueError(f'failed to parse int from {text}: strconv.Atoi: parsing "{text}": '
                         "invalid syntax")
    number = int(text)
    if number < 0:
        raise ValueError(f"negative number ({number}) not allowed: {text}")
    return number
