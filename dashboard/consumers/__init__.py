"""Websocket consumers: the live cluster view (cluster.py) and following pod logs (logs.py)."""
