"""What the assistant missed: messages with low confidence or a fallback, corrections
("不是这个意思") and handoffs after a fallback, kept masked for editors to label and
export as NLU training data.

    mask.py   personal data -> placeholders (rules in mask_rules.yml)
    store.py  the review table: record, list, group, label, export
"""
from .mask import mask

__all__ = ["mask"]
