"""Relaydesk's performance harness: `python -m bench <command> …` from the repo root.

Not part of the test suite. Every command prints progress to stderr and one
JSON object on the last line of stdout, so that scripts can read
`tail -n 1`. See docs/benchmarks.md.
"""
