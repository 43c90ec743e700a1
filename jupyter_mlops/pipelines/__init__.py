"""Pipelines: papermill-executed notebooks, schedules and their triggers, the scheduler, executors."""
