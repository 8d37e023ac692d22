"""The workqueue's shared sets, in memory and on real Redis: the same contract for both."""
import pytest

from workers import coordination


@pytest.fixture
def redis_backend(request, redis_url):
    backend = coordination.RedisCoordination(redis_url)
    backend.prefix = f"kubesim-test:{request.node.originalname}:"
    backend.clear()
    yield backend
    backend.clear()


@pytest.fixture(params=["local", "redis"])
def backend(request):
    if request.param == "local":
        return coordination.LocalCoordination()
    return request.getfixturevalue("redis_backend")


def test_queued_once_until_taken(backend):
    assert backend.mark_queued("c|k")
    assert not backend.mark_queued("c|k")
    backend.unmark_queued("c|k")
    assert backend.mark_queued("c|k")


def test_one_holder_per_key(backend):
    token = backend.acquire("c|k")
    assert token
    assert backend.acquire("c|k") is None
    assert backend.acquire("c|other")
    backend.release("c|k", token)
    assert backend.acquire("c|k")


def test_dirty_is_taken_once(backend):
    assert not backend.take_dirty("c|k")
    backend.mark_dirty("c|k")
    backend.mark_dirty("c|k")
    assert backend.take_dirty("c|k")
    assert not backend.take_dirty("c|k")


def test_a_stale_holder_cannot_release_a_new_holders_lock(redis_backend):
    backend = redis_backend
    first = backend.acquire("c|k")
    backend.redis.delete(backend.prefix + "processing:c|k")  # as if it had expired
    second = backend.acquire("c|k")
    backend.release("c|k", first)
    assert backend.acquire("c|k") is None  # still held by the second
    backend.release("c|k", second)
