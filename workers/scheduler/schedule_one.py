"""Scheduling one pod, as upstream's schedule_one.go: filter the nodes, score the ones that fit,
pick the best. Bindings are the caller's (see scheduler.py)."""
import heapq
from dataclasses import dataclass
from functools import partial
from itertools import islice

from .framework import SKIP, fit_error_message

# numFeasibleNodesToFind: in a large cluster, stop filtering once this many nodes fit.
MIN_FEASIBLE_NODES_TO_FIND = 100
MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5
BASE_PERCENTAGE_OF_NODES_TO_SCORE = 50


@dataclass
class Evaluation:
    """What one attempt found: the status of each node a filter rejected, and the weighted score
    of each plugin (and their total) for each node that fit."""

    statuses: dict  # node name → Status
    feasible: list  # NodeInfo
    scores: dict  # plugin name → weighted scores, in the order of `feasible`
    totals: list
    chosen: int | None = None  # index in `feasible` of the node picked

    def node_verdicts(self, limit):
        """Per node, {"filter", "reasons"} or {"scores", "total"}; past `limit` nodes, the chosen
        one, then the best scored, then the rejected. Also returns how many were left out."""
        ranked = heapq.nlargest(limit, range(len(self.feasible)), key=self.totals.__getitem__)
        if self.chosen is not None and self.chosen not in ranked:
            ranked = [self.chosen, *ranked[:limit - 1]]
        verdicts = {self.feasible[i].name: {"scores": {p: s[i] for p, s in self.scores.items()},
                                            "total": self.totals[i]} for i in ranked}
        for name, status in islice(self.statuses.items(), max(limit - len(verdicts), 0)):
            verdicts[name] = {"filter": status.plugin, "reasons": list(status.reasons)}
        return verdicts, len(self.feasible) + len(self.statuses) - len(verdicts)


@dataclass
class ScheduleResult:
    node: str
    evaluation: Evaluation


class FitError(Exception):
    """No node fits; `message` is what the pod's condition and event say, `reason` the
    condition's reason."""

    def __init__(self, message, evaluation, reason="Unschedulable"):
        super().__init__(message)
        self.message, self.evaluation, self.reason = message, evaluation, reason


def num_feasible_nodes_to_find(num_all_nodes):
    """All nodes in a small cluster; 50% minus 1% per 125 nodes (at least 5%, at least 100 nodes)
    in a large one: percentageOfNodesToScore's adaptive default."""
    if num_all_nodes < MIN_FEASIBLE_NODES_TO_FIND:
        return num_all_nodes
    percentage = max(BASE_PERCENTAGE_OF_NODES_TO_SCORE - num_all_nodes // 125,
                     MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND)
    return max(num_all_nodes * percentage // 100, MIN_FEASIBLE_NODES_TO_FIND)


class Scheduler:
    """One profile scheduling pods one at a time over one snapshot."""

    def __init__(self, profile, snapshot, rng):
        self.profile, self.snapshot, self.rng = profile, snapshot, rng
        # Each pod's search starts where the last one stopped, so every node gets its turn.
        self.next_start_node_index = 0

    def schedule_pod(self, pod):
        """The node for the pod (ScheduleResult), or FitError."""
        nodes = self.snapshot.nodes
        if not nodes:  # upstream's ErrNoNodesAvailable: not a FitError, hence SchedulerError
            raise FitError("no nodes available to schedule pods", Evaluation({}, [], {}, []),
                           reason="SchedulerError")
        state = {}
        filters = [p.filter for p in self.profile.filter_plugins
                   if not hasattr(p, "pre_filter")
                   or p.pre_filter(state, pod, self.snapshot) is not SKIP]
        feasible, statuses = self._find_nodes_that_fit(state, pod, filters)
        if not feasible:
            run_filters = partial(_run_filters, filters, state, pod)
            found = self._post_filter(state, pod, statuses, run_filters)
            raise FitError(fit_error_message(len(nodes), statuses, found),
                           Evaluation(statuses, [], {}, []))
        if len(feasible) == 1:  # nothing to compare: upstream skips scoring
            return ScheduleResult(feasible[0].name, Evaluation(statuses, feasible, {}, [0], 0))
        scores, totals = self._prioritize_nodes(state, pod, feasible)
        chosen = self._select_host(totals)
        return ScheduleResult(feasible[chosen].name,
                              Evaluation(statuses, feasible, scores, totals, chosen))

    def _find_nodes_that_fit(self, state, pod, filters):
        nodes, start = self.snapshot.nodes, self.next_start_node_index
        wanted = num_feasible_nodes_to_find(len(nodes))
        feasible, statuses, processed = [], {}, len(nodes)
        for i in range(len(nodes)):
            node = nodes[(start + i) % len(nodes)]
            for filter_ in filters:  # RunFilterPlugins, inlined: this loop is the hot one
                status = filter_(state, pod, node)
                if status is not None:
                    statuses[node.name] = status
                    break
            else:
                feasible.append(node)
                if len(feasible) == wanted:
                    processed = i + 1
                    break
        self.next_start_node_index = (start + processed) % len(nodes)
        return feasible, statuses

    def _post_filter(self, state, pod, statuses, run_filters):
        """RunPostFilterPlugins: stop at the first that helps (no message then); otherwise each
        one's finding, joined."""
        found = []
        for plugin in self.profile.post_filter_plugins:
            message = plugin.post_filter(state, pod, self.snapshot, statuses, run_filters)
            if message is None:
                return ""
            found.append(message)
        return ", ".join(found)

    def _prioritize_nodes(self, state, pod, nodes):
        """Each score plugin's 0..100 scores, normalized then weighted (as upstream's
        NodePluginScores hold them), and their total per node."""
        scores, totals = {}, [0] * len(nodes)
        for plugin, weight in self.profile.score_plugins:
            if (hasattr(plugin, "pre_score")
                    and plugin.pre_score(state, pod, nodes, self.snapshot) is SKIP):
                continue
            score = plugin.score
            plugin_scores = [score(state, pod, node) for node in nodes]
            if hasattr(plugin, "normalize_score"):
                plugin.normalize_score(state, pod, nodes, plugin_scores)
            scores[plugin.name] = weighted = [s * weight for s in plugin_scores]
            totals = [t + w for t, w in zip(totals, weighted)]
        return scores, totals

    def _select_host(self, totals):
        """The index of the highest total; among equals, one at random (seeded for tests)."""
        best = max(totals)
        return self.rng.choice([i for i, total in enumerate(totals) if total == best])


def _run_filters(filters, state, pod, node):
    """RunFilterPlugins: the first plugin that rejects the node decides."""
    for filter_ in filters:
        status = filter_(state, pod, node)
        if status is not None:
            return status
    return None
