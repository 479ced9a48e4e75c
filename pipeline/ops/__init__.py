"""Operations: the scheduler and the health status of a root."""
