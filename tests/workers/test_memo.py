"""Lookups answered once per dispatch batch, and fresh outside one."""
from workers.memo import batch, per_batch


def test_a_lookup_is_answered_once_per_batch_and_fresh_outside_one():
    asked = []

    @per_batch
    def services(namespace):
        asked.append(namespace)
        return [f"{namespace}/web"]

    with batch():
        assert services("default") == services("default") == ["default/web"]
        services("kube-system")
    assert asked == ["default", "kube-system"]
    services("default")
    services("default")
    assert asked.count("default") == 3  # outside a batch, every call asks
    with batch():
        services("default")  # a new batch has forgotten the last one's answers
    assert asked.count("default") == 4
