"""村务公开: each village's notice board, its posting schedule and its supervision."""
