"""The built web app (web/dist): hashed assets cached for good, every page the app's
`index.html`, never cached, under a Content-Security-Policy without inline scripts."""

from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, Response
from starlette.staticfiles import StaticFiles

# Element Plus positions popovers through style attributes, which 'unsafe-inline' for
# styles allows; scripts come only from this origin's files.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-cache",
}
IMMUTABLE = "public, max-age=31536000, immutable"


class HashedAssets(StaticFiles):
    """Vite names every asset by its content's hash, so a name never changes meaning."""

    def file_response(self, *args: object, **kwargs: object) -> Response:
        response = super().file_response(*args, **kwargs)  # type: ignore[arg-type]
        response.headers["Cache-Control"] = IMMUTABLE
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


class WebApp:
    """Files at the top of web/dist (an icon) as they are; any other path is a page of the
    single-page app, answered with its index.html."""

    def __init__(self, dist: Path) -> None:
        self._dist = dist.resolve()

    @property
    def built(self) -> bool:
        return (self._dist / "index.html").is_file()

    def page(self, path: str) -> Response:
        if not self.built:
            raise HTTPException(503, "The web app is not built (make run builds it).")
        top = self._dist / path.lstrip("/")
        if path.count("/") == 1 and top.name and top.is_file() and top.parent == self._dist:
            return FileResponse(top, headers={"Cache-Control": "public, max-age=3600"})
        return FileResponse(self._dist / "index.html", headers=PAGE_HEADERS)

    def assets(self) -> HashedAssets:
        return HashedAssets(directory=self._dist / "assets", check_dir=False)
