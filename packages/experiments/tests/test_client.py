"""The Experiments client: a real experiments file, bucketing events, and never failing."""

from __future__ import annotations

import logging
import pathlib
import time
from typing import Any

import pytest
from baseplate_testing import replace_file as write

from baseplate.config import ConfigurationError
from baseplate.core import Baseplate, RequestContext
from baseplate.edgecontext import AuthenticationToken, User
from baseplate.events import EventLogger
from baseplate.experiments import (
    EventType,
    Experiments,
    ExperimentsContextFactory,
    experiments_client_from_config,
)
from baseplate.file_watcher import WatchedFileNotAvailableError

NOW = time.time()


def rollout(id_: int, name: str, size: float = 1.0, **experiment: Any) -> dict[str, Any]:
    return {
        "id": id_, "name": name, "owner": "team", "version": "1", "type": "feature_rollout",
        "start_ts": NOW - 60, "stop_ts": NOW + 3600,
        "experiment": {"experiment_version": 1, "variants": [{"name": "on", "size": size}],
                       **experiment},
    }  # fmt: skip


EXPERIMENTS = {
    "button": rollout(1, "button"),
    "quiet": rollout(2, "quiet", log_bucketing=False),
    "flag": {"id": 3, "name": "flag", "owner": "t", "version": "1", "type": "feature_flag",
             "start_ts": NOW - 60, "stop_ts": NOW + 3600,
             "experiment": {"variants": {"active": 100}, "targeting": {"logged_in": [True]}}},
    "broken": {"id": "four", "name": "broken"},
    "bad_variants": rollout(5, "bad_variants", size=2.0),
}  # fmt: skip


class Recorder(EventLogger):
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def log(self, **kwargs: Any) -> None:
        self.events.append(kwargs)


@pytest.fixture
def path(tmp_path: pathlib.Path) -> pathlib.Path:
    path = tmp_path / "experiments.json"
    write(path, EXPERIMENTS)
    return path


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def factory(path: pathlib.Path, recorder: Recorder) -> ExperimentsContextFactory:
    return ExperimentsContextFactory(str(path), recorder)


def request(factory: ExperimentsContextFactory) -> Experiments:
    """Make the Experiments of one new request, through a real server span."""
    baseplate = Baseplate()
    baseplate.add_to_context("experiments", factory)
    context = RequestContext()
    baseplate.make_server_span(context, "handler")
    experiments: Experiments = context.experiments
    return experiments


def logged_in_user(user_id: str = "t2_1") -> User:
    return User(AuthenticationToken({"sub": user_id}), "t2_loid", 1234)


def test_variant_logs_one_bucketing_event_per_request(
    factory: ExperimentsContextFactory, recorder: Recorder
) -> None:
    """The first variant of a request logs a bucketing event; asking again logs none."""
    experiments = request(factory)
    assert experiments.variant("button", user_id="t2_1", app_name="web") == "on"
    assert experiments.variant("button", user_id="t2_1") == "on"
    assert len(recorder.events) == 1
    event = recorder.events[0]
    assert event["event_type"] == EventType.BUCKET
    assert event["event_type"].value == "choose"
    assert event["variant"] == "on"
    assert event["experiment"].name == "button"
    assert event["experiment"].id == 1
    fields = ("user_id", "logged_in", "cookie_created_timestamp", "app_name")
    assert tuple(event[field] for field in fields) == ("t2_1", None, None, "web")
    assert event["inputs"] == {"user_id": "t2_1", "app_name": "web"}
    assert event["span"].name == "handler"
    # Another user, or the next request, logs again.
    experiments.variant("button", user_id="t2_2")
    request(factory).variant("button", user_id="t2_1")
    assert [e["user_id"] for e in recorder.events] == ["t2_1", "t2_2", "t2_1"]


def test_user_fields_join_the_inputs(
    factory: ExperimentsContextFactory, recorder: Recorder
) -> None:
    """A User's event fields are inputs (overriding kwargs) and fill the event's fields."""
    experiments = request(factory)
    assert experiments.variant("button", user=logged_in_user(), user_id="ignored") == "on"
    event = recorder.events[0]
    fields = (event["user_id"], event["logged_in"], event["cookie_created_timestamp"])
    assert fields == ("t2_1", True, 1234)
    logged_out = User(AuthenticationToken(None), "t2_loid", 99)
    assert experiments.variant("flag", user=logged_out) != "active"
    assert experiments.variant("flag", user=logged_in_user()) == "active"


def test_no_bucketing_event(factory: ExperimentsContextFactory, recorder: Recorder) -> None:
    """No event: override False, log_bucketing false, a feature flag, no variant, no value."""
    experiments = request(factory)
    assert experiments.variant("button", user_id="t2_1", bucketing_event_override=False) == "on"
    assert experiments.variant("quiet", user_id="t2_1") == "on"
    assert experiments.variant("flag", user_id="t2_1", logged_in=True) == "active"
    assert experiments.variant("button") is None
    assert recorder.events == []
    # True changes nothing: the next call logs as usual.
    experiments.variant("button", user_id="t2_1", bucketing_event_override=True)
    assert len(recorder.events) == 1


def test_expose(factory: ExperimentsContextFactory, recorder: Recorder) -> None:
    """expose logs an exposure event with the user's fields, every time it is called."""
    experiments = request(factory)
    experiments.expose("button", "on", user=logged_in_user("t2_9"), page="home")
    experiments.expose("button", "on", user_id="t2_9")
    experiments.expose("missing", "on", user_id="t2_9")
    assert [e["event_type"] for e in recorder.events] == [EventType.EXPOSE, EventType.EXPOSE]
    assert recorder.events[0]["inputs"] == {"page": "home", "user_id": "t2_9", "logged_in": True,
            "cookie_created_timestamp": 1234}  # fmt: skip


def test_malformed_experiments_are_disabled_alone(
    factory: ExperimentsContextFactory, recorder: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    """A malformed experiment gives no variant, with its reason logged; the rest still work."""
    experiments = request(factory)
    assert experiments.variant("broken", user_id="t2_1") is None
    assert experiments.variant("bad_variants", user_id="t2_1") is None
    assert experiments.variant("button", user_id="t2_1") == "on"
    assert (
        "experiment 'broken' is disabled: experiment 'broken': id must be an integer" in caplog.text
    )
    assert "experiment 'bad_variants' is disabled: feature_rollout: the size must be" in caplog.text
    assert not experiments.is_valid_experiment("broken")
    assert experiments.is_valid_experiment("button")
    assert not experiments.is_valid_experiment("missing")
    assert experiments.get_all_experiment_names() == ["button", "quiet", "flag"]
    # Parsed once per version of the file, so logged once.
    request(factory).variant("broken", user_id="t2_1")
    assert caplog.text.count("experiment 'broken' is disabled") == 1


def test_a_new_file_is_read_and_a_bad_one_keeps_the_last(
    factory: ExperimentsContextFactory, path: pathlib.Path
) -> None:
    """A changed file is used from the next request; one that is not an object is not."""
    assert request(factory).variant("button", user_id="t2_1") == "on"
    write(path, {"button": rollout(1, "button", size=0.0)})
    assert request(factory).variant("button", user_id="t2_1") is None
    write(path, "[1, 2]")
    assert request(factory).variant("button", user_id="t2_1") is None
    assert request(factory).get_all_experiment_names() == ["button"]


def test_an_unreadable_file_gives_no_variants(tmp_path: pathlib.Path) -> None:
    """Before the file was ever readable: no variant and no names, never an error."""
    experiments = request(ExperimentsContextFactory(str(tmp_path / "missing.json")))
    assert experiments.variant("button", user_id="t2_1") is None
    assert experiments.get_all_experiment_names() == []
    with pytest.raises(WatchedFileNotAvailableError):
        ExperimentsContextFactory(str(tmp_path / "missing.json"), timeout=0.01)


def test_the_window_is_looked_at_again(
    factory: ExperimentsContextFactory, path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An experiment read before its start gives variants once it has started."""
    write(path, {"later": rollout(9, "later") | {"start_ts": NOW + 60}})
    assert request(factory).variant("later", user_id="t2_1") is None
    monkeypatch.setattr(time, "time", lambda: NOW + 61)
    assert request(factory).variant("later", user_id="t2_1") == "on"


def test_failures_never_reach_the_request(
    path: pathlib.Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A failing event logger is logged and skipped; unusable inputs give no variant."""

    class Failing(EventLogger):
        def log(self, **kwargs: Any) -> None:
            raise RuntimeError("queue on fire")

    write(path, EXPERIMENTS | {"ordered": rollout(6, "ordered", targeting={
        "GT": {"field": "karma", "value": 5}})})  # fmt: skip
    experiments = request(ExperimentsContextFactory(str(path), Failing()))
    assert experiments.variant("button", user_id="t2_1") == "on"
    assert "queue on fire" in caplog.text
    assert experiments.variant("ordered", user_id="t2_1", karma="lots") is None


def test_default_logger_is_the_debug_logger(
    path: pathlib.Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Without an event logger, events go to the debug log."""
    caplog.set_level(logging.DEBUG, logger="baseplate.events")
    request(ExperimentsContextFactory(str(path))).variant("button", user_id="t2_1")
    assert "'variant': 'on'" in caplog.text


def test_from_config(path: pathlib.Path, recorder: Recorder) -> None:
    """path and timeout are read under the prefix; a bad value names its full key."""
    factory = experiments_client_from_config(
        {"exp.path": str(path), "exp.timeout": "1 second"}, recorder, prefix="exp."
    )
    assert request(factory).variant("button", user_id="t2_1") == "on"
    with pytest.raises(ConfigurationError, match=r"experiments\.timeout"):
        experiments_client_from_config({"experiments.timeout": "soon"}, recorder)
    default = experiments_client_from_config({}, None)
    assert default._filewatcher.path == "/var/local/experiments.json"
