import json

import pytest
from rest_framework.renderers import JSONRenderer

from spacedevs.api.renderers import FastJSONRenderer

pytestmark = pytest.mark.usefixtures("seeded")


@pytest.mark.parametrize("mode", ["list", "normal", "detailed"])
def test_same_bytes_as_drf(client, mode):
    response = client.get(f"/2.3.0/events/?mode={mode}&format=json")
    assert response.content == JSONRenderer().render(response.data)
    assert "\u2019".encode() in response.content


def test_indent_is_honoured(client):
    response = client.get("/2.3.0/events/352/", HTTP_ACCEPT="application/json; indent=4")
    assert response.content.startswith(b'{\n    "id": 352,')
    assert json.loads(response.content)["id"] == 352


def test_lazy_error_messages_render():
    from django.utils.translation import gettext_lazy

    assert FastJSONRenderer().render({"detail": gettext_lazy("Not found.")}) == b'{"detail":"Not found."}'
