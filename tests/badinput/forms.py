"""Filling the portal's own forms the way a browser would: read the page, take every
field's current value (the selected option, the checked radio), fill what is still empty
with a plausible value, then change one field."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser

from portal.timeutil import local_today

# Plausible values for required fields the page leaves empty, by field name.
DEFAULTS = {
    "title": "村道修缮情况", "body": "请问村道何时修缮？", "contact_name": "张三",
    "contact_phone": "13812345678", "name": "县12345热线", "content": "请于期限内答复。",
    "subject": "督办事项", "text": "补充说明", "note": "说明", "reason": "理由",
    "summary": "摘要", "source": "网络", "level1": "一级事项", "level2": "二级事项",
    "basis": "依据", "time_limit": "20个工作日", "channels": "政府网站", "audience": "全社会",
    "manner": "主动公开", "tier": "乡镇", "position": "1", "max_age_days": "365",
    "draft_html": "征求意见稿正文", "body_html": "正文内容", "comment": "意见",
    "how_to_participate": "来信", "description": "任务说明", "office": "党政办",
    "progress": "50", "parties": "当事人甲、当事人乙", "responsible": "王调解",
    "outcome": "双方达成协议",
}


@dataclass
class Form:
    action: str
    method: str = "get"
    fields: dict[str, str] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)
    options: dict[str, list[str]] = field(default_factory=dict)
    optional: set[str] = field(default_factory=set)  # left empty unless asked


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(a.get("action", ""), a.get("method", "get").lower()))
            return
        if not self.forms or ("name" not in a and tag != "option"):
            return
        form = self.forms[-1]
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            form.types[a["name"]] = kind
            if kind in ("radio", "checkbox"):
                form.options.setdefault(a["name"], []).append(a.get("value", "y"))
                if "checked" in a:
                    form.fields[a["name"]] = a.get("value", "y")
            else:
                form.fields[a["name"]] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a["name"]
            form.fields[a["name"]] = ""
            form.types[a["name"]] = "textarea"
        elif tag == "select":
            self._select = a["name"]
            form.types[a["name"]] = "select"
        elif tag == "option" and self._select:
            value = a.get("value", "")
            form.options.setdefault(self._select, []).append(value)
            if "selected" in a or (self._select not in form.fields and value):
                form.fields[self._select] = value

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea and self.forms:
            self.forms[-1].fields[self._textarea] += data


def forms_on(page: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(page)
    parser.close()
    return parser.forms


def form_for(page: str, action: str) -> Form:
    """The form on `page` that posts to `action` (an empty action posts to the page)."""
    def target(form: Form) -> str:
        return form.action.split("#")[0].split("?")[0]

    found = [f for f in forms_on(page) if f.method == "post" and target(f) in (action, "")]
    assert found, f"no form posting to {action}"
    return next((f for f in found if target(f) == action), found[0])


# Dates that only apply in some cases (a repealed document's 废止日期), left empty.
OPTIONAL_DATES = {"repealed_on", "written_on", "decided_on", "done_on"}


def filled(form: Form, **changes: str) -> dict[str, str]:
    """The form's values, with empty ones filled in plausibly, then `changes` applied."""
    today = local_today()
    form.optional |= OPTIONAL_DATES
    values = dict(form.fields)
    for name, kind in form.types.items():
        if values.get(name, "").strip():
            continue
        if kind == "date" and name not in form.optional:
            values[name] = (today + timedelta(days=40 if "close" in name or "end" in name
                                              or "due" in name else 0)).isoformat()
        elif kind == "datetime-local":
            values[name] = f"{(today - timedelta(days=1)).isoformat()}T08:00"
        elif kind in ("radio", "select") and form.options.get(name):
            values[name] = next((o for o in form.options[name] if o), "")
        elif kind == "number":
            values[name] = "1"
        elif kind in ("text", "textarea", "tel", "email", "url"):
            values[name] = DEFAULTS.get(name, "")
    values.update(changes)
    return {k: v for k, v in values.items() if v is not None}
