"""Third-party peers the tests run against, imported so their import chains cannot fail collection.

pyasic 0.79 pulls in asyncssh, cryptography, betterproto and passlib; each release of those may
start warning on import (cryptography 51 deprecated DSA with a ``UserWarning`` subclass). The
suite turns warnings into errors for our own code, so the import happens here, once, with every
warning of that chain silenced whatever its category. Warnings raised later, while a test runs,
are still subject to pyproject's module-scoped filters.
"""

from __future__ import annotations

import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import pyasic
    from pyasic.miners.avalonminer.cgminer.mini import CGMinerAvalonMini3
    from pyasic.miners.avalonminer.cgminer.nano import CGMinerAvalonNano3, CGMinerAvalonNano3s
    from pyasic.miners.avalonminer.cgminer.Q import CGMinerAvalonQHome
    from pyasic.miners.backends import AvalonMiner

get_miner = pyasic.get_miner

__all__ = [
    "AvalonMiner",
    "CGMinerAvalonMini3",
    "CGMinerAvalonNano3",
    "CGMinerAvalonNano3s",
    "CGMinerAvalonQHome",
    "get_miner",
]
