"""parse_experiment and the providers it returns."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest

from baseplate.experiments import InvalidExperimentError
from baseplate.experiments.providers import (
    FeatureFlag,
    ForcedVariantExperiment,
    R2Experiment,
    SimpleExperiment,
    calculate_bucket,
    parse_experiment,
)

NOW = time.time()


def config(type_: str, experiment: dict[str, Any], **top: Any) -> dict[str, Any]:
    base = {"id": 7, "name": "exp", "owner": "team", "version": "1", "type": type_,
            "start_ts": NOW - 60, "stop_ts": NOW + 60, "experiment": experiment}  # fmt: skip
    base.update(top)
    return base


ROLLOUT = {"experiment_version": 1, "variants": [{"name": "on", "size": 1.0}]}
R2 = {"variants": {"active": 100}, "targeting": {"logged_in": [True]}}


@pytest.mark.parametrize(
    ("type_", "experiment", "kind"),
    [("r2", R2, R2Experiment), ("FEATURE_FLAG", R2, FeatureFlag),
     ("single_variant", {"experiment_version": 1, "variants": [{"name": "a", "size": 0.5},
                                                                {"name": "b", "size": 0.5}]},
      SimpleExperiment),
     ("multi_variant", {"experiment_version": 1, "variants": [{"name": n, "size": 0.3}
                                                               for n in "abc"]}, SimpleExperiment),
     ("feature_rollout", ROLLOUT, SimpleExperiment),
     ("range_variant", {"experiment_version": 1, "variants": [
         {"name": "a", "range_start": 0, "range_end": 1}]}, SimpleExperiment)],
)  # fmt: skip
def test_dispatch_by_type(type_: str, experiment: dict[str, Any], kind: type) -> None:
    """Each type (in any letter case) gets its provider."""
    assert type(parse_experiment(config(type_, experiment))) is kind


def test_unknown_type_is_a_forced_none(caplog: pytest.LogCaptureFixture) -> None:
    """An unknown type gives no variant and is logged."""
    experiment = parse_experiment(config("fancy", {}))
    assert isinstance(experiment, ForcedVariantExperiment)
    assert experiment.variant(user_id="t2_1") is None
    assert "unknown type 'fancy'" in caplog.text


def test_global_override_forces_even_none() -> None:
    """global_override forces its variant, even null, and logs no bucketing."""
    forced = parse_experiment(config("feature_rollout", ROLLOUT, global_override="off"))
    assert forced.variant(user_id="t2_1") == "off"
    assert not forced.should_log_bucketing()
    assert parse_experiment(config("feature_rollout", ROLLOUT, global_override=None)).variant(
        user_id="t2_1"
    ) is None  # fmt: skip


@pytest.mark.parametrize("top", [{"enabled": False}, {"start_ts": NOW + 30}, {"stop_ts": NOW - 30}])
def test_disabled_or_outside_the_window(top: dict[str, Any]) -> None:
    """Disabled, not started or stopped: no variant, for legacy and simple types alike."""
    legacy = parse_experiment(config("r2", R2, **top))
    assert isinstance(legacy, ForcedVariantExperiment)
    assert legacy.variant(user_id="t2_1", logged_in=True) is None
    assert (
        parse_experiment(config("feature_rollout", ROLLOUT, **top)).variant(user_id="t2_1") is None
    )


def test_expires_is_accepted_with_a_warning() -> None:
    """Without start_ts/stop_ts, the deprecated 'expires' date starts the experiment now."""
    cfg = config("feature_rollout", ROLLOUT, expires="2999-01-01")
    del cfg["start_ts"], cfg["stop_ts"]
    with pytest.warns(DeprecationWarning, match="'expires' is deprecated"):
        experiment = parse_experiment(cfg)
    assert experiment.variant(user_id="t2_1") == "on"
    assert experiment.stop_ts == 32472144000  # type: ignore[attr-defined]


def test_missing_version_warns() -> None:
    """A configuration without 'version' still parses, with a deprecation warning."""
    cfg = config("feature_rollout", ROLLOUT)
    del cfg["version"]
    with pytest.warns(DeprecationWarning, match="has no 'version'"):
        parse_experiment(cfg)


@pytest.mark.parametrize(
    ("change", "message"),
    [({"id": "7"}, "id must be an integer"), ({"id": None}, "id must be an integer"),
     ({"start_ts": None}, "start_ts and stop_ts must be given"),
     ({"stop_ts": "soon"}, "stop_ts must be a number"),
     ({"type": 3}, "type must be a string"),
     ({"expires": "tomorrow", "start_ts": None}, "YYYY-MM-DD")],
)  # fmt: skip
@pytest.mark.filterwarnings("ignore:.*'expires' is deprecated:DeprecationWarning")
def test_malformed_configuration(change: dict[str, Any], message: str) -> None:
    """A malformed experiment raises InvalidExperimentError saying what is wrong."""
    with pytest.raises(InvalidExperimentError, match=message):
        parse_experiment(config("feature_rollout", ROLLOUT, **change))


def test_missing_experiment_object() -> None:
    """The 'experiment' object is required, even with a global override."""
    cfg = config("feature_rollout", ROLLOUT, global_override="x")
    del cfg["experiment"]
    with pytest.raises(InvalidExperimentError, match="'experiment' object is missing"):
        parse_experiment(cfg)
    with pytest.raises(InvalidExperimentError, match="'experiment' must be an object"):
        parse_experiment(config("feature_rollout", None))  # type: ignore[arg-type]


def test_simple_needs_an_experiment_version() -> None:
    """experiment_version is required and must not be falsy."""
    with pytest.raises(InvalidExperimentError, match="experiment_version must be given"):
        parse_experiment(config("feature_rollout", {"variants": ROLLOUT["variants"]}))


def r2(variants: dict[str, float], **experiment: Any) -> R2Experiment:
    made = parse_experiment(config("r2", {"variants": variants, **experiment}))
    assert isinstance(made, R2Experiment)
    return made


def test_r2_deals_buckets_by_name_and_caps_sizes(caplog: pytest.LogCaptureFixture) -> None:
    """Bucket b goes to sorted_names[b % n] if b < int(size * n * 10); sizes cap at 1/n."""
    experiment = r2({"b": 10, "a": 60}, targeting={"logged_in": [True]})
    assert [experiment._choose_variant(b) for b in (0, 1, 201, 998, 999)] == [
        "a",
        "b",
        None,
        "a",
        None,
    ]
    assert "exceeds the largest allowed size" in caplog.text


def test_r2_targeting_and_case() -> None:
    """Targeting values match lower-cased unless the parameter is __case_sensitive__."""
    experiment = r2({"a": 50, "b": 50}, targeting={
        "subreddit": ["Pics"], "code": ["AbC"], "__case_sensitive__": ["code"],
    })  # fmt: skip
    assert experiment.variant(user_id="t2_1", SUBREDDIT="PICS") is not None
    assert experiment.variant(user_id="t2_1", subreddit=["funny", "pics"]) is not None
    assert experiment.variant(user_id="t2_1", code="abc") is None
    assert experiment.variant(user_id="t2_1", code="AbC") is not None
    assert experiment.variant(user_id="t2_1") is None  # no targeting parameter given
    assert r2({"a": 50}).variant(user_id="t2_1") is None  # no targeting at all


def test_r2_newer_than() -> None:
    """logged_in targeting with newer_than also needs user_created later than it."""
    experiment = r2({"a": 50, "b": 50}, targeting={"logged_in": [True]}, newer_than=1000)
    assert experiment.variant(user_id="t2_1", logged_in=True) is None
    assert experiment.variant(user_id="t2_1", logged_in=True, user_created=999) is None
    assert experiment.variant(user_id="t2_1", logged_in=True, user_created=1001) is not None


def test_r2_overrides_win_even_without_a_bucketing_value() -> None:
    """An override of a known variant wins first; one of an unknown variant is ignored."""
    experiment = r2({"a": 1, "b": 1}, overrides={
        "user_name": {"Alice": "b", "bob": "zzz"}, "flag": {"1": "a"},
    })  # fmt: skip
    assert experiment.variant(user_name="ALICE") == "b"
    assert experiment.variant(user_name="bob") is None
    assert experiment.variant(user_name={"unhashable": 1}) is None
    assert experiment.variant(user_id=None) is None


def test_r2_unique_id_and_logging() -> None:
    """The unique id is '<name>:<bucket_val>:<value>'; r2 logs, feature flags do not."""
    experiment = r2({"a": 50}, bucket_val="loid")
    assert experiment.get_unique_id(loid="t2_9") == "exp:loid:t2_9"
    assert experiment.get_unique_id(user_id="t2_9") is None
    assert experiment.should_log_bucketing()
    assert not parse_experiment(config("feature_flag", R2)).should_log_bucketing()


@pytest.mark.parametrize(
    ("experiment", "message"),
    [({"variants": {}}, "non-empty object"), ({"variants": {"a": "5"}}, "not a number"),
     ({"variants": {"a": 5}, "targeting": {"x": "y"}}, "targeting 'x' must be a list"),
     ({"variants": {"a": 5}, "overrides": {"x": ["y"]}}, "overrides 'x' must be an object")],
)  # fmt: skip
def test_r2_malformed(experiment: dict[str, Any], message: str) -> None:
    """Malformed r2 variants, targeting or overrides are refused."""
    with pytest.raises(InvalidExperimentError, match=message):
        parse_experiment(config("r2", experiment))


def test_feature_flag_only_active() -> None:
    """A feature flag's only variant is 'active'."""
    with pytest.raises(
        InvalidExperimentError, match=r"a FeatureFlag has only the variant 'active'"
    ):
        parse_experiment(config("feature_flag", {"variants": {"on": 5}}))
    flag = parse_experiment(
        config("feature_flag", {"variants": {"active": 100}, "targeting": {"user_id": ["t2_1"]}})
    )
    assert flag.variant(user_id="t2_1") == "active"
    assert flag.variant(user_id="t2_2") is None


def simple(**experiment: Any) -> SimpleExperiment:
    made = parse_experiment(config("feature_rollout", {**ROLLOUT, **experiment}))
    assert isinstance(made, SimpleExperiment)
    return made


def test_simple_targeting_overrides_and_bucket_value(caplog: pytest.LogCaptureFixture) -> None:
    """Overrides are tried in order before targeting; the bucketing value is required."""
    caplog.set_level(logging.INFO)
    experiment = simple(
        targeting={"EQ": {"field": "is_mod", "value": True}},
        overrides=[{"first": {"EQ": {"field": "user_id", "value": "t2_1"}}},
                   {"second": {"OVERRIDE": True}}, "not an override",
                   {"two": {"OVERRIDE": True}, "keys": {"OVERRIDE": True}}],
    )  # fmt: skip
    assert experiment.variant(user_id="t2_1") == "first"
    assert experiment.variant(user_id="t2_2") == "second"
    assert experiment.variant(is_mod=True) is None
    assert "no user_id given" in caplog.text
    assert "override 2 is not an object with one key" in caplog.text
    assert "override 3 is not an object with one key" in caplog.text
    untargeted = simple(targeting={"EQ": {"field": "is_mod", "value": True}})
    assert untargeted.variant(user_id="t2_1") is None
    assert untargeted.variant(user_id="t2_1", is_mod=True) == "on"
    assert untargeted.variant(USER_ID="t2_1", is_mod=True) == "on"


def test_simple_malformed_targeting_targets_no_one(caplog: pytest.LogCaptureFixture) -> None:
    """A malformed targeting tree targets no one, with the reason logged."""
    experiment = simple(targeting={"XOR": []})
    assert experiment.variant(user_id="t2_1") is None
    assert "targeting is invalid, so it targets no one" in caplog.text


def test_simple_bucket_val_and_log_bucketing() -> None:
    """bucket_val picks the input bucketed on; log_bucketing false logs no events."""
    experiment = simple(bucket_val="loid", log_bucketing=False)
    assert experiment.variant(user_id="t2_1") is None
    assert experiment.variant(loid="t2_1") == "on"
    assert experiment.get_unique_id(loid="t2_1") == "exp:loid:t2_1"
    assert not experiment.should_log_bucketing()
    capital = simple(bucket_val="LoID")
    assert capital.variant(LoID="t2_1") is None  # inputs are matched lower-cased
    assert calculate_bucket(experiment.seed, "t2_1", 1000) >= 0


def test_simple_stop_is_exclusive(monkeypatch: pytest.MonkeyPatch) -> None:
    """A simple experiment gives variants from start_ts up to, not including, stop_ts."""
    experiment = simple()
    monkeypatch.setattr(time, "time", lambda: experiment.stop_ts)
    assert experiment.variant(user_id="t2_1") is None
    monkeypatch.setattr(time, "time", lambda: experiment.start_ts)
    assert experiment.variant(user_id="t2_1") == "on"
