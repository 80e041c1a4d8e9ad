"""backspasm: help through an acute episode of lower back spasm.

Triage with red flags, a timed self-care plan, a pain diary and a report for the doctor.
Library first: the pure core lives in :mod:`backspasm.core`, the clinical content in
:mod:`backspasm.knowledge`; the CLI, the web app and the exports are thin doors over them.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
