"""URL state of a lesson page: read the link, tell about bad values, create widgets with the right default,
write the current values back so that the address bar is always a shareable link.

The page pattern::

    SPEC = {"l": Param("int", 2, min=0, max=6), "sigma": Param("choice", "relu", choices=("relu", "tanh"))}
    state = lab_ui.url_state(SPEC)              # shows one warning per bad URL value
    l = state.slider("Degree l", "l")           # bounds from the Param, default from the live state or the URL
    sigma = state.selectbox("σ", "sigma")
    ...
    state.sync()                                # the URL now holds every value of SPEC
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import streamlit as st

from equi_core.lessons.classroom import Param, encode_query_params, read_query_params

_ABSENT = object()


class UrlState:
    """One page's URL parameters and the widgets made from them.

    Parameters
    ----------
    spec : Mapping[str, Param]
        The page's parameters; a widget made through this object uses the parameter's name as its key.
    url : Mapping[str, Any]
        The values the URL carried (the defaults where it carried none or a bad one).
    notices : list[str]
        One Markdown sentence per rejected URL value (user text inside shown through ``display_value``).

    Notes
    -----
    **The widget-default rule.** A widget is created with its *live* value (``st.session_state[key]``) when there is
    one, else the URL's, and session state is never seeded for it. A keyed widget whose value was set only through
    session state tells the browser that value once (a one-shot "set value" message). Streamlit drops the unsent
    messages of a run that a rerun interrupts, which happens under load; the browser then mounts the widget at its
    *default* (``""`` for a text box, the minimum for a slider) and sends that back with the next interaction,
    overwriting the state. With the live value as the default every run tells the browser the right value. Keyed
    widgets are identified by their key, not their default, so this changes no widget's identity.
    """

    def __init__(self, spec: Mapping[str, Param], url: Mapping[str, Any], notices: Sequence[str] = ()) -> None:
        self.spec = dict(spec)
        self.url = dict(url)
        self.notices = list(notices)
        self.shown: dict[str, Any] = {}  # values of the widgets made this run
        self.rejected: dict[str, Any] = {}  # values corrected this run because they were not an option

    # ------------------------------------------------------------------------------------------ reading
    def __getitem__(self, key: str) -> Any:
        """The value to create widget ``key`` with: its live value in session state, else the URL's.

        Raises
        ------
        KeyError
            If ``key`` is not a parameter of this page.
        """
        if key not in self.spec:
            raise KeyError(f"{key!r} is not a parameter of this page; known: {sorted(self.spec)}")
        live = st.session_state.get(key, _ABSENT)
        return self.url[key] if live is _ABSENT else live

    def current(self) -> dict[str, Any]:
        """Every parameter's present value: the widget's if made this run, else :meth:`__getitem__`."""
        return {k: self.shown[k] if k in self.shown else self[k] for k in self.spec}

    def choice_index(self, key: str, options: Sequence[Any]) -> tuple[int | None, Any]:
        """Index to create a choice widget over ``options`` with, correcting a value that is not an option.

        Returns ``(index, rejected)``. When the live or URL value is among ``options`` it is ``(its index, None)``.
        Otherwise (an earlier widget changed the options, or the URL asked for an impossible value) the first
        option is put in session state (Streamlit sends it to the browser this run) and ``(None, the rejected
        value)`` is returned (also kept in ``self.rejected[key]``): the widget gets no competing default index.
        """
        value = self[key]
        for i, option in enumerate(options):
            if option == value:
                return i, None
        st.session_state[key] = options[0]
        self.rejected[key] = value
        return None, value

    # ------------------------------------------------------------------------------------------ widgets
    def _record(self, key: str, value: Any) -> Any:
        self.shown[key] = value
        return value

    def _bounds(self, key: str) -> tuple[Any, Any, Any]:
        p = self.spec[key]
        if p.kind not in ("int", "float") or p.min is None or p.max is None:
            raise ValueError(f"{key!r} needs an int or float Param with both bounds for a numeric widget")
        cast = int if p.kind == "int" else float
        return cast(p.min), cast(p.max), cast(self[key])

    def slider(self, label: str, key: str, *, where: Any = None, **kwargs: Any) -> Any:
        """``st.slider`` over the parameter's bounds, keyed ``key``, at its live/URL value."""
        lo, hi, value = self._bounds(key)
        out = (where or st).slider(label, lo, hi, value, key=key, **kwargs)
        # a float slider's value carries binary noise (0.30000000000000004): 12 digits keep the URL readable
        return self._record(key, round(out, 12) if isinstance(out, float) else out)

    def number_input(self, label: str, key: str, *, where: Any = None, **kwargs: Any) -> Any:
        """``st.number_input`` over the parameter's bounds (step 1 for an int), keyed ``key``."""
        lo, hi, value = self._bounds(key)
        kwargs.setdefault("step", 1 if isinstance(value, int) else None)
        return self._record(key, (where or st).number_input(label, lo, hi, value, key=key, **kwargs))

    def text_input(self, label: str, key: str, *, where: Any = None, **kwargs: Any) -> str:
        """``st.text_input`` keyed ``key``; at most the parameter's ``max_len`` characters."""
        kwargs.setdefault("max_chars", self.spec[key].max_len)
        return self._record(key, (where or st).text_input(label, str(self[key]), key=key, **kwargs))

    def _choice(
        self, kind: str, label: str, key: str, options: Sequence[Any] | None, where: Any, kwargs: dict[str, Any]
    ) -> Any:
        opts = list(options if options is not None else (self.spec[key].choices or ()))
        index, _ = self.choice_index(key, opts)
        widget = getattr(where or st, kind)
        return self._record(key, widget(label, opts, index=index, key=key, **kwargs))

    def selectbox(
        self, label: str, key: str, options: Sequence[Any] | None = None, *, where: Any = None, **kwargs: Any
    ) -> Any:
        """``st.selectbox`` over ``options`` (default: the parameter's choices); a value not among them is
        corrected to the first option (see :meth:`choice_index`)."""
        return self._choice("selectbox", label, key, options, where, kwargs)

    def radio(
        self, label: str, key: str, options: Sequence[Any] | None = None, *, where: Any = None, **kwargs: Any
    ) -> Any:
        """``st.radio`` over ``options`` (default: the parameter's choices), corrected like :meth:`selectbox`."""
        return self._choice("radio", label, key, options, where, kwargs)

    # ------------------------------------------------------------------------------------------ writing
    def sync(self, keys: Iterable[str] | None = None) -> None:
        """Write the present values (:meth:`current`) of ``keys`` (default: all) into ``st.query_params``.

        A value its parameter rejects (an over-long text box) is written as the default; a fragment passes its own
        keys (a fragment rerun never reaches the end of the script).
        """
        now = self.current()
        chosen = now if keys is None else {k: now[k] for k in keys}
        st.query_params.update(encode_query_params(chosen, self.spec))


def url_state(spec: Mapping[str, Param], *, show_notices: bool = True) -> UrlState:
    """Read the page's parameters from ``st.query_params`` (never raises) and show a warning per bad value.

    Parameters
    ----------
    spec : Mapping[str, Param]
        The page's parameters (keys of other pages in the URL are ignored).
    show_notices : bool
        Show each notice with ``st.warning`` here (the notices name the parameter, show the bad value through
        ``display_value`` and say what is allowed).
    """
    url, notices = read_query_params(st.query_params.to_dict(), spec)
    if show_notices:
        for notice in notices:
            st.warning(notice)
    return UrlState(spec, url, notices)


__all__ = ["UrlState", "url_state"]
