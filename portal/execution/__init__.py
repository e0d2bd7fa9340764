"""执行公开: the tasks that carry out a decision, with owner, milestones, progress and
dated updates. A parent task's progress is the equal-weight mean of its children's."""
