"""DynamicResources (DRA): its PostFilter frees a ResourceClaim allocation that could help.

Pods here never have ResourceClaims, so it always finds none, and says so before preemption does:
`... no new claims to deallocate, preemption: ...`, as upstream's default profile prints.
"""
NAME = "DynamicResources"


class DynamicResources:
    name = NAME

    def post_filter(self, state, pod, snapshot, statuses, run_filters):
        return "no new claims to deallocate"
