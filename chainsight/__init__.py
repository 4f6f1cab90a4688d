"""Chainsight: operations visibility and planning for FMCG manufacturers."""

from chainsight._errors import ChainsightError, DefinitionError, UserInputError

__version__ = "0.1.0"  # an attribute (chainsight.__version__), not a name a star import gives
__all__ = ["ChainsightError", "DefinitionError", "UserInputError"]
