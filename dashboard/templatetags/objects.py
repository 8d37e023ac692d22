"""Template helpers of the troubleshooting pages: the state class of a STATUS word."""
import re

from django import template

from .kubesim import STATE_CLASSES

register = template.Library()

# Words that say something is wrong, in the STATUS of any kind (pods' waiting and terminated
# reasons, ExitCode:1, Init:Error, NodeLost, ...).
_BAD = re.compile(r"Err|BackOff|Fail|OOMKilled|ExitCode|Signal|Invalid|Lost|Evicted|Error|"
                  r"DeadlineExceeded|NotReady")
_PROGRESS = re.compile(r"^Init:|Creating|Initializing|Progressing")
MORE = {"Available": "state-ok",
        "Released": "state-idle", "Complete": "state-idle", "Suspended": "state-idle"}


@register.filter
def status_class(word):
    """`{{ status|status_class }}`: the base.css class of a STATUS word of any kind; state-idle
    for one that says nothing good or bad."""
    word = str(word or "")
    if word in STATE_CLASSES:
        return STATE_CLASSES[word]
    if word in MORE:
        return MORE[word]
    if _BAD.search(word):
        return "state-bad"
    if "SchedulingDisabled" in word:
        return "state-warn"
    if _PROGRESS.search(word):
        return "state-progress"
    return "state-idle"
