"""The salabim discrete-event model of the distribution network; plain Python, no Django.

Dataclasses in (a NetworkSnapshot, six sub-models' parameters, interventions), dataclasses
out (per-replication KPIs), so it runs the same in a Celery worker, a test or a benchmark.
"""
