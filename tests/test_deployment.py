"""docker-compose.yml describes the production stack; /healthz/ answers for its checks."""

import pytest
import yaml
from django.conf import settings


def compose():
    return yaml.safe_load((settings.BASE_DIR / "docker-compose.yml").read_text())


def test_compose_services_have_healthchecks_and_named_volumes():
    data = compose()
    assert set(data["services"]) == {"proxy", "postgres", "redis", "web", "worker", "beat"}
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


def test_only_the_proxy_is_published_and_it_overwrites_the_forwarded_headers():
    """Django trusts X-Forwarded-For/-Proto in this stack (TRUSTED_PROXY_COUNT=1): gunicorn must
    not be reachable directly, and nginx must replace what the client sent."""
    data = compose()
    published = {name for name, service in data["services"].items() if service.get("ports")}
    assert published == {"proxy"}
    assert data["services"]["web"]["environment"]["TRUSTED_PROXY_COUNT"] == "1"
    mount = next(v for v in data["services"]["proxy"]["volumes"] if "nginx.conf" in v)
    conf = (settings.BASE_DIR / mount.split(":")[0]).read_text()
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in conf
    assert "proxy_add_x_forwarded_for" not in conf
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in conf
    assert "proxy_pass http://web:8000;" in conf
