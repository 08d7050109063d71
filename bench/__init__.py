"""`make bench` (= `python -m bench`): the booking benchmark against the real stack.

Not part of `make test`. See docs/adr/0012-benchmarks.md for what it measures and why.
"""
