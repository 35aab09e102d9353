"""Real processes: the channel layer crosses process boundaries (real Celery workers run
real tasks in tests/scenarios/test_runs.py and tests/calibration/test_calibrate.py)."""

import asyncio
import sys
import uuid

import pytest
from channels.layers import get_channel_layer

from tests.conftest import run_in_fresh_loop

SEND_FROM_ANOTHER_PROCESS = (
    "import django, sys; django.setup(); "
    "from asgiref.sync import async_to_sync; from channels.layers import get_channel_layer; "
    "async_to_sync(get_channel_layer().group_send)"
    "(sys.argv[1], {'type': 'dc.update', 'utilisation': 0.94})"
)


@pytest.mark.slow
def test_the_channel_layer_delivers_a_group_message_sent_by_another_process(subprocess_env):
    group = f"test-{uuid.uuid4().hex}"

    async def exchange() -> dict:
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add(group, channel)
        try:
            sender = await asyncio.create_subprocess_exec(
                sys.executable, "-c", SEND_FROM_ANOTHER_PROCESS, group, env=subprocess_env
            )
            assert await asyncio.wait_for(sender.wait(), 60) == 0
            return await asyncio.wait_for(layer.receive(channel), 10)
        finally:
            await layer.group_discard(group, channel)

    assert run_in_fresh_loop(exchange, timeout_s=90) == {
        "type": "dc.update",
        "utilisation": 0.94,
    }
