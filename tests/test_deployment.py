"""docker-compose.yml describes the production stack; /healthz/ answers for its checks."""

import pytest
import yaml
from django.conf import settings


def compose():
    return yaml.safe_load((settings.BASE_DIR / "docker-compose.yml").read_text())


def test_compose_services_have_healthchecks_and_named_volumes():
    data = compose()
    assert set(data["services"]) == {"postgres", "redis", "web", "worker", "beat"}
    for name, service in data["services"].items():
        assert "healthcheck" in service, name
        assert service.get("image") or service.get("build"), name
    assert set(data["volumes"]) == {"pgdata", "redisdata", "appdata"}
    web = data["services"]["web"]
    assert "gunicorn" in web["command"]
    assert web["environment"]["DATABASE_URL"].startswith("postgres://")
    assert data["services"]["worker"]["depends_on"]["redis"]["condition"] == "service_healthy"


@pytest.mark.django_db
def test_healthz(client):
    response = client.get("/healthz/")
    assert response.status_code == 200 and response.content == b"ok"
