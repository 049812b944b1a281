"""Prompt templates for the optional language-model answerer, one `.md` file each (package
data, read with importlib.resources by peerchat/index/answer/prompts.py). Code here: none."""
