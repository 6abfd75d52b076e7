"""LL2 JSON in: `ingest.records` is the one ingestion path; `import_ll2` feeds it from files."""
