"""Jobs: idempotent steps that take their dependencies and `now`, decide with policy, act through the ports."""

from mailbot.jobs.deps import Deps, JobResult, run_job

__all__ = ["Deps", "JobResult", "run_job"]
