"""Distributed mode's services, used for real: Redis for Channels and Celery, PostgreSQL for Django.

Each test skips when its service is down (fails under KUBESIM_REQUIRE_SERVICES=1, as in CI).
"""
import asyncio
import uuid

import dj_database_url
import pytest
from django.db.utils import ConnectionHandler


@pytest.mark.redis
def test_channels_redis_layer_round_trips_a_message_between_two_channels(redis_url):
    from channels_redis.core import RedisChannelLayer

    prefix = f"kubesim-test-{uuid.uuid4().hex}"  # keys of this test only, flushed at the end

    async def round_trip():
        # Two layer instances, as two daphne processes would each have one.
        ping_side = RedisChannelLayer(hosts=[redis_url], prefix=prefix)
        pong_side = RedisChannelLayer(hosts=[redis_url], prefix=prefix)
        try:
            ping_channel = await ping_side.new_channel()
            pong_channel = await pong_side.new_channel()
            await ping_side.send(pong_channel, {"type": "ping", "reply_to": ping_channel, "n": 1})
            request = await asyncio.wait_for(pong_side.receive(pong_channel), 5)
            await pong_side.send(request["reply_to"], {"type": "pong", "n": request["n"] + 1})
            return await asyncio.wait_for(ping_side.receive(ping_channel), 5)
        finally:
            await ping_side.flush()
            await ping_side.close_pools()
            await pong_side.close_pools()

    assert asyncio.run(round_trip()) == {"type": "pong", "n": 2}


@pytest.mark.redis
def test_celery_app_publishes_a_task_message_to_redis(redis_url):
    from kubesim.celery import app

    queue = f"kubesim-test-{uuid.uuid4().hex}"
    with app.connection_for_write(redis_url) as conn:
        conn.ensure_connection(max_retries=1)
        # No worker yet: publish to a queue of our own and read the message back off Redis.
        result = app.send_task("kubesim.test.ping", args=[1], queue=queue, connection=conn)
        inbox = conn.SimpleQueue(queue)
        try:
            message = inbox.get(timeout=5)
            message.ack()
        finally:
            inbox.queue.delete()
            inbox.close()
    assert message.headers["task"] == "kubesim.test.ping"
    assert message.headers["id"] == result.id


@pytest.mark.postgres
def test_django_connects_to_postgresql_with_psycopg3(postgres_url, django_db_blocker):
    # A connection of its own, beside the suite's test database, configured as DATABASE_URL is.
    handler = ConnectionHandler({"default": dj_database_url.parse(postgres_url)})
    connection = handler["default"]
    with django_db_blocker.unblock():
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT version()")
                (version,) = cursor.fetchone()
        finally:
            connection.close()
    assert version.startswith("PostgreSQL")
    assert connection.vendor == "postgresql"
    assert connection.Database.__name__ == "psycopg"  # psycopg 3, not psycopg2
