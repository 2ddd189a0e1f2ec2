from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from plans.models import Plan


def _load_seeds():
    if not Plan.objects.filter(seed_key="pg-kh-ubnd", tasks__isnull=False).exists():
        call_command("load_seeds", verbosity=0, stdout=StringIO())


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hasher():
    """Hashing with PBKDF2's 1M iterations costs ~0.3 s per login in tests: use MD5 here only
    (production keeps Django's default hashers)."""
    from django.conf import settings
    from django.contrib.auth.hashers import get_hashers, get_hashers_by_algorithm

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    get_hashers.cache_clear()
    get_hashers_by_algorithm.cache_clear()


@pytest.fixture(scope="session")
def django_db_setup(_fast_password_hasher, django_db_setup, django_db_blocker):
    """Every test database starts with the five seed plans loaded. At the end, sessions
    left open on it by server threads (live_server, the Celery worker tests) are ended, so
    the test database can be dropped."""
    with django_db_blocker.unblock():
        _load_seeds()
    yield
    from django.db import connection

    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )


# A transactional test (live_server, transaction=True) ends with a flush of every table, the
# seeds included. Reloading them inside the next test's rolled-back transaction would cost
# every following test the whole load (~25 s): instead they are reloaded once, committed,
# before the next database test that is not transactional itself.
_seeds_flushed = False


def _is_transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    return bool(
        (marker and marker.kwargs.get("transaction"))
        or {"transactional_db", "live_server"} & set(item.fixturenames)
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    yield
    global _seeds_flushed
    if _is_transactional(item):
        _seeds_flushed = True


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    global _seeds_flushed
    uses_db = item.get_closest_marker("django_db") or "db" in item.fixturenames
    if not (_seeds_flushed and uses_db) or _is_transactional(item):
        return
    from pytest_django.plugin import blocking_manager_key

    with item.config.stash[blocking_manager_key].unblock():
        _load_seeds()
    _seeds_flushed = False


@pytest.fixture
def seeded(db):
    """The seed data (reloaded if a transactional test flushed it)."""
    _load_seeds()


@pytest.fixture(scope="session")
def _media_root(tmp_path_factory):
    """Uploaded and exported files of this test run (of this pytest-xdist worker: each has
    its own temporary directory), never the project's var/uploads."""
    return tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _test_settings(settings, _media_root):
    """Plain HTTP test client, unhashed static files (no collectstatic in tests) and the test
    run's own media directory (a test may set its own)."""
    settings.SECURE_SSL_REDIRECT = False
    settings.MEDIA_ROOT = _media_root
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


# --- a unit's report form: Công an xã Phước Giang in the open period (a module may define
# its own `period`, `police` or `officer`) -------------------------------------------------


@pytest.fixture
def period():
    from django.utils import timezone

    from tests.factories import issue_phuoc_giang

    plan = issue_phuoc_giang(today=timezone.localdate())
    return plan.reporting_periods.order_by("-cutoff").first()


@pytest.fixture
def police():
    from tests.factories import unit

    return unit("w21370-cong-an")


@pytest.fixture
def officer(police):
    from tests.factories import make_user

    return make_user("canbo-congan", police)


# --- browser tests (Playwright driving Debian's chromium) ----------------------------------

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser(monkeypatch):
    """A headless chromium. Playwright's sync API runs an event loop in this thread: the ORM
    is allowed beside it for this test only (the variable must not leak into others)."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (make test installs it)")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                    args=CHROMIUM_ARGS)  # fmt: skip
        violations = _watch_csp(browser)
        yield browser
        browser.close()
    assert violations == [], "Content-Security-Policy violations:\n" + "\n".join(violations)


def _watch_csp(browser):
    """Every page of this browser records the Content-Security-Policy violations that chromium
    reports on its console: a browser test fails when the policy blocked anything."""
    violations = []

    def watch(page):
        page.on(
            "console",
            lambda msg: (
                violations.append(f"{page.url}: {msg.text}")
                if "Content Security Policy" in msg.text
                else None
            ),
        )

    new_context, new_page = browser.new_context, browser.new_page

    def watched_context(*args, **kwargs):
        context = new_context(*args, **kwargs)
        context.on("page", watch)
        return context

    def watched_page(*args, **kwargs):
        page = new_page(*args, **kwargs)
        watch(page)
        return page

    browser.new_context, browser.new_page = watched_context, watched_page
    return violations


@pytest.fixture
def live_server(live_server, _test_settings):
    """pytest-django's live server, its middleware rebuilt after the autouse test settings
    (plain HTTP: no redirect to HTTPS) — it was started before they applied."""
    app = live_server.thread.httpd.get_app()
    while app is not None:  # static files handler → media files handler → WSGI handler
        app.load_middleware()
        app = getattr(app, "application", None)
    return live_server
