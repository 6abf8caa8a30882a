"""Beyond one process: the asynchronous actor-learner on Ray (report sec 8.4.4)."""

from lit_reason.distributed.actor_learner import RayAsyncEngine, RaySettings

__all__ = ["RayAsyncEngine", "RaySettings"]
