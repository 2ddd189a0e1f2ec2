from io import StringIO

import pytest
from django.core.management import call_command

from plans.models import Plan


def _load_seeds():
    if not Plan.objects.filter(seed_key="pg-kh-ubnd", tasks__isnull=False).exists():
        call_command("load_seeds", verbosity=0, stdout=StringIO())


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every test database starts with the five seed plans loaded."""
    with django_db_blocker.unblock():
        _load_seeds()


@pytest.fixture
def seeded(db):
    """The seed data (reloaded if a transactional test flushed it)."""
    _load_seeds()


@pytest.fixture(autouse=True)
def _test_settings(settings):
    """Plain HTTP test client and unhashed static files (no collectstatic in tests)."""
    settings.SECURE_SSL_REDIRECT = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
