"""The watcher's work: a data watch per node, each change written to its file, heartbeats."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from kazoo.client import KazooState
from kazoo.recipe.watchers import DataWatch

from ._config import NodeConfig, WatcherConfig
from ._files import remove_file, replace_file, touch

logger = logging.getLogger("baseplate.live_data.watcher")

#: Seconds between "still waiting for ZooKeeper" messages at start-up.
WAITING_REPORT_INTERVAL = 30.0
#: Seconds between looks at the stop flag while waiting for the first connection.
STOP_POLL_INTERVAL = 0.2


class Watcher:
    """Keep each configured node's data in its file, for as long as :meth:`run` runs.

    Args:
        client: A :class:`kazoo.client.KazooClient`, not started.
        cfg: The nodes and the heartbeat interval.
    """

    def __init__(self, client: Any, cfg: WatcherConfig) -> None:
        self._client = client
        self._cfg = cfg
        self._connected = threading.Event()
        self._ever_connected = False

    def _files(self) -> str:
        return ", ".join(node.dest for node in self._cfg.nodes)

    def _on_state(self, state: str) -> None:
        # Called by kazoo on its own thread at each change of the connection's state: only
        # log and flag here.
        if state == KazooState.CONNECTED:
            self._connected.set()
            if self._ever_connected:
                logger.info("Reconnected to ZooKeeper; the files follow their nodes again")
            self._ever_connected = True
            return
        self._connected.clear()
        if state == KazooState.SUSPENDED:
            logger.warning(
                "Lost the connection to ZooKeeper; reconnecting. Until then the files keep "
                "their last good data, untouched by the heartbeat: %s",
                self._files(),
            )
        else:
            logger.warning(
                "The ZooKeeper session expired; starting a new one. Until then the files "
                "keep their last good data, untouched by the heartbeat: %s",
                self._files(),
            )

    def _on_data(self, node: NodeConfig, data: bytes | None, stat: Any) -> None:
        # Called by kazoo once when the watch is set and again at each change of the node.
        # It must not raise (kazoo would only log it): a file that cannot be written keeps
        # its last data and the next change tries again.
        try:
            if data is None:
                if remove_file(node.dest):
                    logger.info("Node %s does not exist: removed %s", node.source, node.dest)
                else:
                    logger.warning("Node %s does not exist (nor %s)", node.source, node.dest)
                return
            replace_file(node.dest, data, node.owner, node.group, node.mode)
            logger.info(
                "Wrote node %s (version %d, %d bytes) to %s",
                node.source,
                stat.version,
                len(data),
                node.dest,
            )
        except OSError as exc:
            logger.error(
                "Cannot update %s from node %s: %s; it keeps its last data",
                node.dest,
                node.source,
                exc,
            )

    def _watch(self, node: NodeConfig) -> None:
        def on_change(data: bytes | None, stat: Any) -> None:
            self._on_data(node, data, stat)

        DataWatch(self._client, node.source, on_change)

    def _heartbeat(self) -> None:
        for node in self._cfg.nodes:
            try:
                touch(node.dest)
            except OSError as exc:
                logger.warning("Cannot touch %s: %s", node.dest, exc)

    def run(self, stop: threading.Event) -> None:
        """Connect, watch every node, and touch the files until ``stop`` is set.

        The files are touched every ``heartbeat_interval`` while the client is connected, so
        that monitoring can tell a stale file by its age; while ZooKeeper is away they keep
        their last data and their age grows. The client is closed on return.
        """
        self._client.add_listener(self._on_state)
        self._client.start_async()
        try:
            report_at = time.monotonic() + WAITING_REPORT_INTERVAL
            while not self._connected.wait(STOP_POLL_INTERVAL):
                if stop.is_set():
                    return
                if time.monotonic() >= report_at:
                    logger.warning("Still waiting for ZooKeeper; the files keep their last data")
                    report_at += WAITING_REPORT_INTERVAL
            if stop.is_set():
                return
            for node in self._cfg.nodes:
                self._watch(node)
            logger.info("Watching %d nodes", len(self._cfg.nodes))
            while not stop.wait(self._cfg.heartbeat_interval):
                if self._client.connected:
                    self._heartbeat()
        finally:
            self._client.stop()
            self._client.close()
