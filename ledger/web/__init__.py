"""The project's Datasette plugin: registered through the `datasette` entry point.

Datasette finds the hooks as attributes of this package, and its `templates/` and `static/`
directories beside it.
"""

from .plugin import (
    asgi_wrapper,
    extra_css_urls,
    extra_template_vars,
    handle_exception,
    prepare_connection,
    quiet_readers_mistakes,
    register_facet_classes,
    register_output_renderer,
    register_routes,
    render_cell,
)
from .snapshot_search import count_from_index, filters_from_request, rank_common_words

__all__ = [
    "asgi_wrapper",
    "count_from_index",
    "filters_from_request",
    "rank_common_words",
    "extra_css_urls",
    "extra_template_vars",
    "handle_exception",
    "prepare_connection",
    "quiet_readers_mistakes",
    "register_facet_classes",
    "register_output_renderer",
    "register_routes",
    "render_cell",
]
