"""The upstreams' URLs as sync_ll2 stores them since it sends a user and password as Basic credentials: without
them. A checkpoint stored with them is the same upstream's (the newer of two is kept), and the URL the API root
shows loses its password."""

from urllib.parse import urlsplit

from django.db import migrations


def without_credentials(url):
    # As ingest.upstream.without_credentials cuts them out (copied: a migration keeps the code it ran with).
    try:
        userinfo, at, _ = urlsplit(url).netloc.rpartition("@")
    except ValueError:
        return url
    if not at:
        return url
    start = url.index("//") + 2
    return url[:start] + url[start + len(userinfo) + 1 :]


def last_success(checkpoint):
    return checkpoint.last_success.timestamp() if checkpoint.last_success else float("-inf")


def forwards(apps, schema_editor):
    checkpoints = apps.get_model("ingest", "SyncCheckpoint").objects
    for checkpoint in checkpoints.filter(upstream__contains="@"):
        stored = without_credentials(checkpoint.upstream)
        if stored == checkpoint.upstream:
            continue
        other = checkpoints.filter(upstream=stored).first()
        if other is not None:
            # The one a sync committed a page with last: the other is older, or never got one.
            newer = max((checkpoint, other), key=last_success)
            (other if newer is checkpoint else checkpoint).delete()
            if newer is other:
                continue
        checkpoint.upstream = stored
        checkpoint.save(update_fields=["upstream"])
    states = apps.get_model("spacedevs", "DataState").objects
    for state in states.filter(synced_from__contains="@"):
        state.synced_from = without_credentials(state.synced_from)
        state.save(update_fields=["synced_from"])


class Migration(migrations.Migration):
    dependencies = [
        ("ingest", "0001_sync_checkpoint"),
        ("spacedevs", "0006_tier_at_least_one_in_the_database"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
