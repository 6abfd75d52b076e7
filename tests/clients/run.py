"""Runs each LL2 client library's event calls against the server at argv[1], pointed there by its base URL
alone, and prints what each parsed, as JSON: {client: {call: [event names]}}. Runs in .venv-clients."""

import asyncio
import json
import sys

import nextinspace
import pylaunches.api
import skylab.api
from pylaunches import PyLaunches

server = sys.argv[1]


async def pylaunches_calls():
    pylaunches.api.BASE_URL = server  # PyLaunches() puts its version (2.2.0) after it
    async with PyLaunches() as client:
        return {
            "event": [event["name"] for event in await client.event()],
            "event_upcoming": [event["name"] for event in await client.event_upcoming()],
            "event_previous": [event["name"] for event in await client.event_previous()],
        }


def nextinspace_calls():
    nextinspace.BASE_URL = f"{server}/2.1.0"
    return {"next_event": [event.name for event in nextinspace.next_event(5)]}


def skylab_calls():
    api = skylab.api.SpaceDevApi()
    api.GET_UPCOMING_EVENTS = f"{server}/2.2.0/event/upcoming/"
    return {"event_factory": [event.name for event in api.event_factory()]}


print(
    json.dumps(
        {
            "pylaunches": asyncio.run(pylaunches_calls()),
            "nextinspace": nextinspace_calls(),
            "skylab": skylab_calls(),
        }
    )
)
