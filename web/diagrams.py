"""Lifecycle diagrams drawn by transitions' own diagram support from the very machine definition,
so the picture cannot disagree with the code. Needs Graphviz's `dot`; without it, no picture."""

from __future__ import annotations

import shutil
from functools import cache

from markupsafe import Markup

from workflow.lifecycle import Lifecycle


class _Model:
    def __init__(self, state: str):
        self.state = state


@cache
def lifecycle_svg(lifecycle: Lifecycle, state: str) -> Markup | None:
    """The lifecycle as inline SVG with `state` highlighted, or None when Graphviz is not installed."""
    if shutil.which("dot") is None:
        return None
    from transitions.extensions import GraphMachine

    model = _Model(state)
    GraphMachine(model=model, states=lifecycle.states, transitions=lifecycle.transitions, initial=state,
                 auto_transitions=False, graph_engine="graphviz", title="", show_conditions=True)
    svg = model.get_graph().pipe(format="svg").decode()
    return Markup(svg[svg.index("<svg"):])
