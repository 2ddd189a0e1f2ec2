"""Security pieces that Django does not ship: response headers, the client address behind the
reverse proxy, a throttled password reset and Vietnamese password-validator messages."""

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme

# Browser features the application never uses: denied to every origin, itself included.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "sync-xhr",
        "usb",
        "xr-spatial-tracking",
    )
)


ADMIN_PREFIX = "/admin/"


class SecurityHeadersMiddleware:
    """Must come after csp.middleware.CSPMiddleware in MIDDLEWARE (it marks the admin's
    responses before CSPMiddleware writes the header). Adds Permissions-Policy to every
    response, and `Cache-Control: private, no-store` to
    every response for a signed-in user, so that no shared cache nor the browser's back button
    keeps a page with personal data after sign-out."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if request.path.startswith(ADMIN_PREFIX):
            # The only relaxation of the Content-Security-Policy: style attributes in the admin
            # (staff only), where django-mptt indents the trees with inline padding and Django's
            # change list has a <style> block. Scripts stay 'self' only there too.
            response._csp_update = {"style-src": ["'unsafe-inline'"]}
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response["Cache-Control"] = "private, no-store"
            response.headers.pop("Expires", None)
            patch_vary_headers(response, ("Cookie",))
        return response


def client_ip(request) -> str | None:
    """The client's address, for the login lockout (django-axes) and the throttles.

    Behind `TRUSTED_PROXY_COUNT` reverse proxies, each of which appends the address it received
    the request from to X-Forwarded-For, the client is the entry that the outermost trusted
    proxy appended: the N-th from the right. Entries further left were sent by the client and
    prove nothing. Without trusted proxies (or with a short header) the peer address is used."""
    remote = request.META.get("REMOTE_ADDR") or None
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    if len(forwarded) < count:
        return remote
    return forwarded[-count]


def is_local_path(url: str) -> bool:
    """True for a path on this site ("/bao-cao/1/"), false for anything that could leave it
    ("//host/", "/\\host", "https://host/", "javascript:…")."""
    return (
        bool(url)
        and url.startswith("/")
        and not url.startswith(("//", "/\\"))
        and url_has_allowed_host_and_scheme(url, allowed_hosts=None)
    )


# --- password reset throttle ----------------------------------------------------------------

PASSWORD_RESET_LIMIT = 3  # requests per address and per e-mail ...
PASSWORD_RESET_WINDOW = 60 * 60  # ... per hour
PASSWORD_RESET_REFUSED = (
    "Đã có quá nhiều yêu cầu đặt lại mật khẩu từ địa chỉ này hoặc cho thư điện tử này. "
    "Vui lòng thử lại sau một giờ, hoặc liên hệ quản trị viên."
)


def _hit(key: str) -> int:
    """Counts one request in a fixed one-hour window; returns the count including this one."""
    if cache.add(key, 1, PASSWORD_RESET_WINDOW):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, PASSWORD_RESET_WINDOW)
        return 1


class ThrottledPasswordResetView(auth_views.PasswordResetView):
    """Password reset (Quên mật khẩu) sending at most 3 e-mails per hour to one address and
    accepting at most 3 requests per hour from one client address. Over the limit the form
    says so in Vietnamese and nothing is sent (whether the address has an account or not, so
    that the answer reveals nothing)."""

    def form_valid(self, form):
        email = form.cleaned_data["email"].strip().lower()
        over_ip = _hit(f"pwreset:ip:{client_ip(self.request)}") > PASSWORD_RESET_LIMIT
        over_email = _hit(f"pwreset:email:{email}") > PASSWORD_RESET_LIMIT
        if over_ip or over_email:
            form.add_error(None, PASSWORD_RESET_REFUSED)
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        return super().form_valid(form)


# --- password validators --------------------------------------------------------------------


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's minimum length (độ dài tối thiểu) with its message in Vietnamese: Django's
    Vietnamese catalogue lacks this plural message."""

    def get_error_message(self):
        return f"Mật khẩu quá ngắn: cần ít nhất {self.min_length} ký tự."

    def get_help_text(self):
        return f"Mật khẩu phải có ít nhất {self.min_length} ký tự."
