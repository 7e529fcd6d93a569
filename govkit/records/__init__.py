"""Records: milestones, tasks, findings, blockers, resolutions, consumers, the queue."""
