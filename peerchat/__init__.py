"""Peer Challenge Assistant: cited answers over LGA Corporate Peer Challenge reports."""

__version__ = "0.1.0"
