"""Benchmark scenarios for `grassroots bench NAME`.

Each module here defines `add_arguments(parser)` (optional) and `run(out, **options)`. A scenario
prints its own figures beside a baseline measured in the same run (never an absolute threshold
alone), so results compare across machines.
"""
