"""The 409 an apply gets for fields other managers own, in kube-apiserver's words
(NewConflictError): one conflict inline, several grouped by manager."""
from ..errors import StatusError
from .fieldpath import path_text


class ApplyConflict(StatusError):
    code, reason = 409, "Conflict"

    def __init__(self, found):
        """`found`: (Entry, path) pairs, in order."""
        causes = [{"reason": "FieldManagerConflict",
                   "message": f"conflict with {entry.described()}",
                   "field": path_text(path)} for entry, path in found]
        super().__init__(_message(found), details={"causes": causes})


def _message(found):
    if len(found) == 1:
        entry, path = found[0]
        return (f"Apply failed with 1 conflict: conflict with {entry.described()}: "
                f"{path_text(path)}")
    by_manager = {}
    for entry, path in found:
        by_manager.setdefault(entry.described(), []).append(path_text(path))
    lines = []
    for manager in sorted(by_manager):
        lines.append(f"conflicts with {manager}:")
        lines += [f"- {path}" for path in by_manager[manager]]
    return f"Apply failed with {len(found)} conflicts: " + "\n".join(lines)
