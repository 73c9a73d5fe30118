"""adrs: AI-driven research for systems.

>>> import adrs
>>> "cant-be-late" in adrs.list_envs()
True
"""

from adrs.registry import list_envs, make

__all__ = ["list_envs", "make", "__version__"]
__version__ = "0.1.0"
