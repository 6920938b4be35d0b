"""Metrics in the core: the metric entity, aggregation, the quantile sketch, naming, instruments, exposition."""
