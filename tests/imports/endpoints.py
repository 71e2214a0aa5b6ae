"""Access matrix entries of the Excel import pages under /imports/ (contract: tests/access/registry.py).

Import jobs belong to the user who uploaded them: job_a is the community admin's, job_b another user's.
"""

from tests.access.registry import holders, page

RUN = holders("imports.run")
_A = lambda w: {"pk": w.job_a.pk}  # noqa: E731
_B = lambda w: {"pk": w.job_b.pk}  # noqa: E731
OWNER = {"community_admin"}

ENDPOINTS = [
    page("imports:index", RUN),
    page("imports:upload", RUN, method="POST", data=lambda w: {"kind": "regions"}, ok=(200, 302, 400)),
    page("imports:template", RUN, kwargs=lambda w: {"kind": "regions"}),
    page("imports:job", OWNER, kwargs=_A, out=_B),
    page("imports:progress", OWNER, kwargs=_A, out=_B),
    page("imports:commit", OWNER, method="POST", kwargs=_A, out=_B, ok=(200, 302, 400, 409)),
    # The world's job is not failed: the owner is sent back to the page with the reason.
    page("imports:retry", OWNER, method="POST", kwargs=_A, out=_B, ok=(302,)),
    page("imports:annotated", OWNER, kwargs=_A, out=_B, ok=(200, 404)),
]
