"""STUB: being written."""
from channels.generic.websocket import AsyncWebsocketConsumer


class ClusterConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        await self.close()
