"""Which service answers which /v1 path. The same table is the production ingress's
(deploy/README.md): keep them together."""

from shared.settings import Settings

# Longest prefix first: /v1/stats/deflection is knowledge's, the rest of /v1/stats intake's.
KNOWLEDGE_PREFIXES = (
    "/v1/stats/deflection",
    "/v1/articles",
    "/v1/solutions",
    "/v1/search",
    "/v1/suggest",
    "/v1/agent-search",
)
NOTIFY_PREFIXES = ("/v1/inbox", "/v1/preferences", "/v1/webhooks")
INTAKE_PREFIX = "/v1/"


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix.rstrip("/") + "/")


def upstreams_of(path: str, settings: Settings) -> tuple[str, ...] | None:
    """The base URLs of the processes that answer `path` (any one of them will do); None
    for a path of the web app."""
    if any(_under(path, prefix) for prefix in KNOWLEDGE_PREFIXES):
        return (settings.knowledge_url, *settings.router_knowledge_urls)
    if any(_under(path, prefix) for prefix in NOTIFY_PREFIXES):
        return (settings.notify_url, *settings.router_notify_urls)
    if path.startswith(INTAKE_PREFIX):
        return (settings.intake_url, *settings.router_intake_urls)
    return None
