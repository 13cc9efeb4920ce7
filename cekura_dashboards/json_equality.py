"""The one rule for "changed": two values are the same when they are the same JSON.

`==` on Python values says `True == 1` and `60 == 60.0`, but the API stores and returns
`true`, `1`, `60` and `60.0` as different values, so the dirty mark, the PATCH body, the
stale-write check and the conflict rebase all compare through this module instead. Object
key order is ignored (the API does not keep it); list order counts (`conditions` is an
ordered list).
"""

from __future__ import annotations

import json
from typing import Any


def json_fingerprint(value: Any) -> str:
    """`value` as canonical JSON text: keys sorted, no spaces. Equal text, equal JSON."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def same_json(a: Any, b: Any) -> bool:
    """True when `a` and `b` are the same JSON (`1` is not `true`, `60` is not `60.0`)."""
    return a is b or json_fingerprint(a) == json_fingerprint(b)
