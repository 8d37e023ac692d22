"""Jobs and CronJobs: completions, durations and schedules."""
from .definitions import AGE, CONTAINERS, IMAGES, NAME, column, wide_column
from .fields import condition_true, get, name, parse_time
from .format import age, container_cells, format_label_selector, human_duration, since
from .workloads import template_cells

JOB_SELECTOR_DOC = "A label query over pods that should match the pod count."
JOB_COLUMNS = (
    NAME,
    column("Status", "Status of the job."),
    column("Completions", "The number of pods which reached phase Succeeded."),
    column("Duration", "Time required to complete the job."),
    AGE, CONTAINERS, IMAGES,
    wide_column("Selector", JOB_SELECTOR_DOC),
)
CRON_JOB_COLUMNS = (
    NAME,
    column("Schedule", "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron."),
    column("Timezone", "The time zone name for the given schedule, see "
                       "https://en.wikipedia.org/wiki/List_of_tz_database_time_zones."),
    column("Suspend", "This flag tells the controller to suspend subsequent executions, it does "
                      "not apply to already started executions.", "boolean"),
    column("Active", "A list of pointers to currently running jobs.", "integer"),
    column("Last Schedule", "Information when was the last time the job was successfully "
                            "scheduled."),
    AGE, CONTAINERS, IMAGES,
    wide_column("Selector", JOB_SELECTOR_DOC),
)


def _job_status(obj):
    """The first that holds, in upstream's order: a condition, or being deleted."""
    conditions = get(obj, "status.conditions") or ()
    for state in ("Complete", "Failed", "Terminating", "Suspended", "FailureTarget"):
        if get(obj, "metadata.deletionTimestamp") if state == "Terminating" \
                else condition_true(conditions, state):
            return state
    return "Running"


def _job_completions(obj):
    succeeded = get(obj, "status.succeeded", 0)
    completions = get(obj, "spec.completions")
    if completions is not None:
        return f"{succeeded}/{completions}"
    parallelism = get(obj, "spec.parallelism", 0)
    return f"{succeeded}/1 of {parallelism}" if parallelism > 1 else f"{succeeded}/1"


def _job_duration(obj, now):
    start = parse_time(get(obj, "status.startTime"))
    if start is None:
        return ""
    end = parse_time(get(obj, "status.completionTime")) or now
    return human_duration(end - start)


def job_cells(obj, now, wide):
    return [
        name(obj), _job_status(obj), _job_completions(obj), _job_duration(obj, now),
        age(obj, now), *template_cells(obj), format_label_selector(get(obj, "spec.selector")),
    ]


def _bool_pointer(value):
    """printBoolPtr: `True`, `False`, or `<unset>`."""
    return "<unset>" if value is None else "True" if value else "False"


def cron_job_cells(obj, now, wide):
    spec = obj.get("spec") or {}
    last = get(obj, "status.lastScheduleTime")
    job = get(obj, "spec.jobTemplate.spec") or {}
    return [
        name(obj), spec.get("schedule", ""), spec.get("timeZone") or "<none>",
        _bool_pointer(spec.get("suspend")), len(get(obj, "status.active") or ()),
        "<none>" if last is None else since(last, now), age(obj, now),
        *container_cells(get(job, "template.spec.containers")),
        format_label_selector(job.get("selector")),
    ]
