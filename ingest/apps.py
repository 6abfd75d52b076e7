from django.apps import AppConfig


class IngestConfig(AppConfig):
    """LL2 JSON in: the one ingestion path and the commands that feed it. It sits above every app."""

    name = "ingest"
    verbose_name = "LL2 ingestion"
    # Its sync checkpoints are bookkeeping: saving one changes nothing the API serves.
    holds_served_data = False
