"""DefaultPreemption: when no node fits, would evicting lower-priority pods make room somewhere?

Only the dry run is simulated — each node's verdict, as upstream's FitError prints it after
`preemption:` — not the eviction of the victims itself.
"""
from ..framework import UNSCHEDULABLE_AND_UNRESOLVABLE, Status, fit_error_message

NAME = "DefaultPreemption"
_NOT_HELPFUL = Status(UNSCHEDULABLE_AND_UNRESOLVABLE, "Preemption is not helpful for scheduling",
                      plugin=NAME)
_NO_VICTIMS = Status(UNSCHEDULABLE_AND_UNRESOLVABLE, "No preemption victims found for incoming pod",
                     plugin=NAME)


class DefaultPreemption:
    name = NAME

    def post_filter(self, state, pod, snapshot, statuses, run_filters):
        """None when preemption would help (upstream would nominate a node and evict); otherwise
        what it found, node by node."""
        if pod.pod["spec"].get("preemptionPolicy") == "Never":
            return "preemption: not eligible due to preemptionPolicy=Never."
        found = {}
        for node in snapshot.nodes:
            status = statuses.get(node.name)
            if status is None or status.unresolvable():
                continue  # evicting cannot help there ("not helpful" below)
            found[node.name] = self._select_victims(pod, node, run_filters)
            if found[node.name] is None:
                return None
        found = {name: found.get(name, _NOT_HELPFUL) for name in (n.name for n in snapshot.nodes)}
        return "preemption: " + fit_error_message(len(snapshot.nodes), found)

    def _select_victims(self, pod, node, run_filters):
        """SelectVictimsOnNode: remove every lower-priority pod and filter the node again; None
        if the pod then fits."""
        victims = [p for p in node.pods if p.priority < pod.priority]
        if not victims:
            return _NO_VICTIMS
        return run_filters(node.without(victims))
