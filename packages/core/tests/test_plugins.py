"""Tests for observer plug-ins: what configure_observers finds through entry points."""

from __future__ import annotations

import importlib.util
import sys
import types
from importlib import metadata

import pytest

from baseplate.core import (
    Baseplate,
    BaseplateObserver,
    MissingDistributionError,
    ObserverPlugin,
    _plugins,
)
from baseplate.diagnostics.logging import LoggingBaseplateObserver

GROUP = "baseplate.observers"


class NamedObserver(BaseplateObserver):
    """An observer that only says which plug-in installed it, and with what."""

    def __init__(self, name, app_config, module_name):
        self.name = name
        self.app_config = app_config
        self.module_name = module_name

    def on_server_span_created(self, context, server_span):
        pass


def fake_plugin(name, config_keys, environment_variables=()):
    """A third party's plug-in: registers a NamedObserver when one of its keys is set."""

    def configure(baseplate, app_config, module_name):
        baseplate.register(NamedObserver(name, app_config, module_name))

    return ObserverPlugin(tuple(config_keys), configure, tuple(environment_variables))


@pytest.fixture
def install(monkeypatch):
    """Install fake plug-ins: the entry-point lookup returns only the ones given."""

    def install_plugins(**plugins):
        module = types.ModuleType("fake_observer_plugins")
        entry_points = []
        for name, plugin in plugins.items():
            setattr(module, name, plugin)
            entry_points.append(metadata.EntryPoint(name, f"{module.__name__}:{name}", GROUP))
        monkeypatch.setitem(sys.modules, module.__name__, module)
        monkeypatch.setattr(_plugins, "observer_entry_points", lambda: entry_points)

    monkeypatch.delenv("SENTRY_DSN", raising=False)
    monkeypatch.delenv("FAKE_PLUGIN_TOKEN", raising=False)
    return install_plugins


def installed(baseplate):
    return [o.name if isinstance(o, NamedObserver) else type(o) for o in baseplate.observers]


def test_a_third_party_plugin_is_installed_from_its_config_key(install):
    """A plug-in registered in the entry-point group is configured when its key is set."""
    install(prometheus=fake_plugin("prometheus", ["prometheus.port"]))
    baseplate = Baseplate()
    app_config = {"prometheus.port": "9090"}
    baseplate.configure_observers(app_config, "my_service")
    assert installed(baseplate) == [LoggingBaseplateObserver, "prometheus"]
    observer = baseplate.observers[1]
    assert observer.app_config is app_config
    assert observer.module_name == "my_service"


def test_a_plugin_whose_keys_are_absent_is_not_installed(install):
    """Installed is not configured: without one of its keys the plug-in does nothing."""
    install(prometheus=fake_plugin("prometheus", ["prometheus.port"]))
    baseplate = Baseplate()
    baseplate.configure_observers({"prometheus.other": "1"})
    assert installed(baseplate) == [LoggingBaseplateObserver]


def test_any_one_key_switches_a_plugin_on(install):
    """A plug-in with several keys is switched on by any of them."""
    install(statsd2=fake_plugin("statsd2", ("statsd2.host", "statsd2.socket")))
    baseplate = Baseplate()
    baseplate.configure_observers({"statsd2.socket": "/run/statsd"})
    assert installed(baseplate) == [LoggingBaseplateObserver, "statsd2"]


def test_an_environment_variable_switches_a_plugin_on_when_not_empty(install, monkeypatch):
    """A plug-in's environment variables switch it on, but only with a non-empty value."""
    install(hosted=fake_plugin("hosted", ["hosted.token"], ["FAKE_PLUGIN_TOKEN"]))
    monkeypatch.setenv("FAKE_PLUGIN_TOKEN", "")
    baseplate = Baseplate()
    baseplate.configure_observers({"hosted.region": "eu"})
    assert installed(baseplate) == [LoggingBaseplateObserver]
    monkeypatch.setenv("FAKE_PLUGIN_TOKEN", "secret")
    baseplate = Baseplate()
    baseplate.configure_observers({"hosted.region": "eu"})
    assert installed(baseplate) == [LoggingBaseplateObserver, "hosted"]


def test_a_plugin_without_a_key_under_its_name_is_not_imported(install, monkeypatch):
    """A service that does not configure an observer never imports its plug-in's module."""
    install(prometheus=fake_plugin("prometheus", ["prometheus.port"]))
    loaded = []
    real_load = metadata.EntryPoint.load
    monkeypatch.setattr(
        metadata.EntryPoint, "load", lambda self: loaded.append(self.name) or real_load(self)
    )
    Baseplate().configure_observers({"metrics_other.port": "1", "prometheusx": "1"})
    assert loaded == []
    Baseplate().configure_observers({"prometheus.port": "9090"})
    assert loaded == ["prometheus"]


def test_the_module_name_defaults_to_main(install):
    """Without a module name, plug-ins are given "__main__", as error reporting was."""
    install(prometheus=fake_plugin("prometheus", ["prometheus.port"]))
    baseplate = Baseplate()
    baseplate.configure_observers({"prometheus.port": "9090"})
    assert baseplate.observers[1].module_name == "__main__"


def test_logging_first_then_metrics_tracing_sentry_then_others_by_name(install):
    """The order is fixed whatever order the entry points are found in."""
    names = ["zipkin2", "sentry", "audit", "tracing", "metrics"]
    install(**{name: fake_plugin(name, [f"{name}.on"]) for name in names})
    baseplate = Baseplate()
    baseplate.configure_observers({f"{name}.on": "1" for name in names})
    assert installed(baseplate) == [
        LoggingBaseplateObserver,
        "metrics",
        "tracing",
        "sentry",
        "audit",
        "zipkin2",
    ]


@pytest.mark.parametrize(
    ("app_config", "environ", "message"),
    [
        ({"metrics.namespace": "x"}, {}, "metrics.namespace in the configuration"),
        ({"tracing.service_name": "x"}, {}, "tracing.service_name in the configuration"),
        ({"sentry.dsn": ""}, {}, r"sentry\.dsn in the configuration \(or SENTRY_DSN"),
        ({}, {"SENTRY_DSN": "http://k@host/1"}, "SENTRY_DSN in the environment"),
    ],
)
def test_a_configured_built_in_without_its_plugin_names_the_distribution(
    install, monkeypatch, app_config, environ, message
):
    """Asking for metrics, tracing or sentry without their distribution names the install line."""
    distribution = {"m": "baseplate-metrics", "t": "baseplate-tracing", "s": "baseplate-sentry"}[
        message.lstrip("\\")[0].lower()
    ]
    install(prometheus=fake_plugin("prometheus", ["prometheus.port"]))
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    baseplate = Baseplate()
    with pytest.raises(
        MissingDistributionError, match=f"{message}.* needs the {distribution} distribution"
    ) as raised:
        baseplate.configure_observers({"prometheus.port": "1", **app_config})
    assert raised.value.distribution == distribution
    assert f"pip install {distribution}" in str(raised.value)
    # Checked before any plug-in is configured.
    assert installed(baseplate) == [LoggingBaseplateObserver]


def test_a_plugin_named_after_a_built_in_stands_in_for_it(install):
    """What counts is the entry point's name: a plug-in named "metrics" is the metrics one."""
    install(metrics=fake_plugin("metrics", ["metrics.namespace"]))
    baseplate = Baseplate()
    baseplate.configure_observers({"metrics.namespace": "x"})
    assert installed(baseplate) == [LoggingBaseplateObserver, "metrics"]


def test_an_entry_point_naming_something_else_is_refused(install):
    """An entry point must name an ObserverPlugin; the error names the entry point."""
    install(broken=object())
    with pytest.raises(
        TypeError, match=r"entry point 'broken' .* must name a baseplate\.core\.ObserverPlugin"
    ):
        Baseplate().configure_observers({"broken.on": "1"})


def test_a_plugin_checks_what_it_is_given():
    """Keys and variables are tuples of strings, configure is callable, something switches it on."""

    def configure(baseplate, app_config, module_name):
        pass

    with pytest.raises(TypeError, match=r"config_keys must be a tuple of strings, got 'a\.key'"):
        ObserverPlugin("a.key", configure)
    with pytest.raises(TypeError, match=r"environment_variables must be .*, got \(1,\)"):
        ObserverPlugin(("a.key",), configure, (1,))
    with pytest.raises(TypeError, match="configure must be callable, got None"):
        ObserverPlugin(("a.key",), None)
    with pytest.raises(ValueError, match="needs config_keys or environment_variables"):
        ObserverPlugin((), configure)
    assert ObserverPlugin((), configure, ("A_VARIABLE",)).config_keys == ()


def test_an_entry_point_whose_module_is_gone_is_skipped_with_a_warning(monkeypatch, caplog):
    """Metadata left behind by an uninstalled distribution does not stop the service."""
    entry_point = metadata.EntryPoint("ghost", "no_such_module_here.plugin:observer", GROUP)
    monkeypatch.setattr(_plugins, "observer_entry_points", lambda: [entry_point])
    monkeypatch.delenv("SENTRY_DSN", raising=False)
    baseplate = Baseplate()
    baseplate.configure_observers({"ghost.on": "1"})
    assert installed(baseplate) == [LoggingBaseplateObserver]
    assert "Observer plug-in 'ghost'" in caplog.text
    assert "is not installed; skipped" in caplog.text


def test_a_plugin_failing_to_import_its_own_dependency_is_an_error(install, monkeypatch):
    """A plug-in module that is there but cannot import what it needs is not "missing"."""
    source = "import a_dependency_that_is_not_installed\nobserver = None\n"
    module_path = "half_installed_plugin"
    monkeypatch.delitem(sys.modules, module_path, raising=False)

    class Finder:
        """Imports half_installed_plugin from the source above."""

        @staticmethod
        def find_spec(name, path=None, target=None):
            if name != module_path:
                return None
            loader = types.SimpleNamespace(
                create_module=lambda spec: None,
                exec_module=lambda mod: exec(source, mod.__dict__),
            )
            return importlib.util.spec_from_loader(name, loader)

    monkeypatch.setattr(sys, "meta_path", [Finder(), *sys.meta_path])
    entry_point = metadata.EntryPoint("half", f"{module_path}:observer", GROUP)
    monkeypatch.setattr(_plugins, "observer_entry_points", lambda: [entry_point])
    with pytest.raises(ModuleNotFoundError, match="a_dependency_that_is_not_installed") as raised:
        Baseplate().configure_observers({"half.on": "1"})
    assert raised.value.__notes__ == [
        "loading observer plug-in 'half_installed_plugin:observer' of an unknown distribution"
    ]


def _installed_distribution(name):
    try:
        metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return False
    return True


def test_the_observer_distributions_register_their_plugins():
    """metrics, tracing and sentry are found through their entry points when installed.

    In the dev environment all three are; in core's own test environment none is.
    """
    expected = [
        (name, distribution)
        for name, distribution in [
            ("metrics", "baseplate-metrics"),
            ("tracing", "baseplate-tracing"),
            ("sentry", "baseplate-sentry"),
        ]
        if _installed_distribution(distribution)
    ]
    asking_for_all = {"metrics.x": "", "tracing.x": "", "sentry.x": ""}
    loaded = _plugins.load_observer_plugins(asking_for_all)
    assert [(item.name, item.distribution) for item in loaded] == expected
    for item in loaded:
        assert callable(item.plugin.configure)
    keys = {item.name: set(item.plugin.config_keys) for item in loaded}
    environment = {item.name: set(item.plugin.environment_variables) for item in loaded}
    for built_in in _plugins._BUILT_INS:
        if built_in.name in keys:
            assert keys[built_in.name] == {built_in.key}
            assert environment[built_in.name] == (
                {built_in.environment_variable} if built_in.environment_variable else set()
            )
