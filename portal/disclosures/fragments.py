"""Parts of the public list built once per public-content version instead of on every page."""

from __future__ import annotations

from markupsafe import Markup, escape

from portal.disclosures import queries


def publisher_options(selected_id: int | None) -> Markup:
    """The list's 发布机构 filter: an <option> for each publishing unit, the chosen one
    selected. The options are written once per public-content version: a county has
    dozens of units, and writing them on every page cost a fifth of the list's template."""
    from portal.pagecache import per_content_version

    options = per_content_version("disclosures.publisher_options", _options)
    return Markup("".join(chosen if org_id == selected_id else plain  # nosec B704
                          for org_id, plain, chosen in options))


def _options() -> tuple[tuple[int, str, str], ...]:
    written = []
    for org in queries.publishing_organizations():
        value, name = escape(org.slug), escape(org.full_name)
        written.append((org.id, f'<option value="{value}">{name}</option>',
                        f'<option value="{value}" selected>{name}</option>'))
    return tuple(written)
