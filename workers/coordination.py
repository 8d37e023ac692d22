"""What workers share to run each key once at a time: client-go workqueue's queued/dirty/processing
sets, kept in Redis when workers are spread over processes and machines, in memory when embedded.

- `queued`: a key waiting in the broker; adding it again costs nothing (a burst → one reconcile).
- `processing`: a lock per key, so two workers never reconcile one key at once.
- `dirty`: the key changed while being processed; whoever holds the lock runs it again after.
"""
import threading
import uuid

from django.conf import settings

LOCK_SECONDS = 300  # a worker that dies holding a key frees it after this long


class LocalCoordination:
    """One process (embedded mode, tests)."""

    def __init__(self):
        self._mutex = threading.Lock()
        self._queued, self._dirty, self._processing = set(), set(), set()

    def mark_queued(self, item):
        with self._mutex:
            if item in self._queued:
                return False
            self._queued.add(item)
            return True

    def unmark_queued(self, item):
        with self._mutex:
            self._queued.discard(item)

    def mark_dirty(self, item):
        with self._mutex:
            self._dirty.add(item)

    def take_dirty(self, item):
        with self._mutex:
            was = item in self._dirty
            self._dirty.discard(item)
            return was

    def acquire(self, item):
        with self._mutex:
            if item in self._processing:
                return None
            self._processing.add(item)
            return item

    def release(self, item, token):
        with self._mutex:
            self._processing.discard(item)


_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class RedisCoordination:
    """Any number of worker processes on any machines, through Redis."""

    prefix = "kubesim:workqueue:"

    def __init__(self, url):
        import redis

        self.redis = redis.Redis.from_url(url)
        self._release = self.redis.register_script(_RELEASE)

    def mark_queued(self, item):
        return bool(self.redis.sadd(self.prefix + "queued", item))

    def unmark_queued(self, item):
        self.redis.srem(self.prefix + "queued", item)

    def mark_dirty(self, item):
        self.redis.sadd(self.prefix + "dirty", item)

    def take_dirty(self, item):
        return bool(self.redis.srem(self.prefix + "dirty", item))

    def acquire(self, item):
        token = uuid.uuid4().hex
        if self.redis.set(self.prefix + "processing:" + item, token, nx=True, ex=LOCK_SECONDS):
            return token
        return None

    def release(self, item, token):
        self._release(keys=[self.prefix + "processing:" + item], args=[token])

    def clear(self):
        for key in self.redis.scan_iter(self.prefix + "*"):
            self.redis.delete(key)


_backend = None
_backend_lock = threading.Lock()


def backend():
    global _backend
    with _backend_lock:
        if _backend is None:
            url = settings.REDIS_URL
            _backend = RedisCoordination(url) if url else LocalCoordination()
        return _backend


def use(coordination):
    """Swap the backend (tests, the synchronous driver); returns the previous one."""
    global _backend
    with _backend_lock:
        previous, _backend = _backend, coordination
        return previous
