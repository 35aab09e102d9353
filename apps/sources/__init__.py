"""Event ingestion: the event log, per-type schemas, the batch API, importers, dead letters."""
