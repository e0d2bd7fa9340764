"""Fixtures for the bad-input corpus: the access matrix's sample world (one object of each
kind, one user per role) and a client signed in as a role that may use a route."""

from typing import ClassVar

import pytest
from werkzeug.datastructures import ImmutableMultiDict

from portal.access import PUBLIC, ROUTE_POLICY, SIGNED_IN
from portal.auth.models import Role
from tests.test_access_matrix import _sign_in, _url_values, draft_input_factory, world

__all__ = ["client_for", "draft_input_factory", "names_read", "url_values", "world"]


def role_for(endpoint: str) -> Role | None:
    """A role that may use `endpoint` (None: anonymous), as portal.access decides."""
    policy = ROUTE_POLICY[endpoint]
    if policy == PUBLIC:
        return None
    if policy == SIGNED_IN:
        return Role.EDITOR
    return sorted(policy, key=lambda role: role.value)[0]


@pytest.fixture
def client_for(app, world):
    """client_for(endpoint) → a test client signed in as a role that may use it."""
    clients: dict = {}

    def build(endpoint: str):
        role = role_for(endpoint)
        if role not in clients:
            client = app.test_client()
            if role is not None:
                _sign_in(client, world["users"][role])
            clients[role] = client
        return clients[role]

    return build


@pytest.fixture
def url_values(world):
    return lambda rule: _url_values(rule, world)


class _RecordingDict(ImmutableMultiDict):
    """Query and form data that notes which names a view asks for."""

    sink: ClassVar[set[str]] = set()

    def get(self, key, default=None, type=None):
        self.sink.add(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):
        self.sink.add(key)
        return super().getlist(key, type)

    def __getitem__(self, key):
        self.sink.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self.sink.add(key)
        return super().__contains__(key)


@pytest.fixture
def names_read(app):
    """names_read(send) → the query or form names the view read while answering send().

    So a parameter or field added to a view later is fed the corpus too."""

    class RecordingRequest(app.request_class):
        parameter_storage_class = _RecordingDict

    app.request_class = RecordingRequest

    def probe(send) -> set[str]:
        _RecordingDict.sink = set()
        send()
        return {name for name in _RecordingDict.sink if isinstance(name, str)}

    return probe
