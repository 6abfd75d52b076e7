"""The upstreams' URLs as sync_ll2 stores them since it sends a user and password as Basic credentials: without
them. A checkpoint stored with them is the same upstream's (the newer of two is kept), and the URL the API root
shows loses its password."""

from urllib.parse import urlsplit

from django.db import migrations


def credentials(url):
    """The `user:password@` of `url` as written, or "": as ingest.upstream.without_credentials finds them
    (copied: a migration keeps the code it ran with)."""
    try:
        userinfo, at, _ = urlsplit(url).netloc.rpartition("@")
    except ValueError:
        return ""
    start = url.find("//") + 2
    return f"{userinfo}@" if at and url.startswith(f"{userinfo}@", start) else ""


def last_success(checkpoint):
    return checkpoint.last_success.timestamp() if checkpoint.last_success else float("-inf")


def forwards(apps, schema_editor):
    checkpoints = apps.get_model("ingest", "SyncCheckpoint").objects
    for checkpoint in checkpoints.filter(upstream__contains="@"):
        userinfo = credentials(checkpoint.upstream)
        if not userinfo:
            continue
        stored = checkpoint.upstream.replace(userinfo, "", 1)
        # The error of its last failed call named the URL called, with them.
        checkpoint.last_error = checkpoint.last_error.replace(userinfo, "")
        other = checkpoints.filter(upstream=stored).first()
        if other is not None:
            # The one a sync committed a page with last: the other is older, or never got one.
            newer = max((checkpoint, other), key=last_success)
            (other if newer is checkpoint else checkpoint).delete()
            if newer is other:
                continue
        checkpoint.upstream = stored
        checkpoint.save(update_fields=["upstream", "last_error"])
    states = apps.get_model("spacedevs", "DataState").objects
    for state in states.filter(synced_from__contains="@"):
        state.synced_from = state.synced_from.replace(credentials(state.synced_from), "", 1)
        state.save(update_fields=["synced_from"])


class Migration(migrations.Migration):
    dependencies = [
        ("ingest", "0001_sync_checkpoint"),
        ("spacedevs", "0006_tier_at_least_one_in_the_database"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
