"""Irreducible representations of O(3) and direct sums of them, as immutable value objects.

A feature vector of an equivariant network is a concatenation of blocks. ``Irreps("2x0e + 1x1o + 3x2e")`` says:
two scalars (l = 0, even), one polar vector (l = 1, odd under inversion), three blocks of degree 2 (even) —
``2*1 + 1*3 + 3*5 = 20`` numbers that turn with the block-diagonal matrix ``D_from_matrix(R)``.

Grammar (spaces are ignored)::

    irreps := term ("+" term)*          e.g. "2x0e + 1x1o", "1o", "0e+0e", "" (the empty sum)
    term   := [mul "x"] l parity        mul, l: non-negative integers; parity: "e" (even, +1) or "o" (odd, -1)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple, Union, cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._checks import check_int
from .rotations import _det3, check_rotation
from .wigner import wigner_D

__all__ = [
    "Irrep",
    "MulIr",
    "Irreps",
    "IRREPS_GRAMMAR",
    "MAX_IRREPS_L",
    "MAX_IRREPS_DIM",
    "as_irreps",
    "check_features",
]

#: A human explanation of the accepted strings, shown by the app next to a parsing error.
IRREPS_GRAMMAR = (
    'Write a sum of terms like "2x0e + 1x1o + 3x2e": each term is [multiplicity "x"] degree parity, where the '
    'multiplicity and the degree l are non-negative integers and the parity is "e" (even) or "o" (odd). '
    'Examples: "1o" (one vector), "4x0e" (four scalars), "1x0e + 1x1o + 1x2e".'
)
#: Largest degree accepted when parsing a string (keeps D matrices and figures small).
MAX_IRREPS_L = 100
#: Largest total dimension accepted when parsing a string.
MAX_IRREPS_DIM = 100_000

_TERM = re.compile(r"^(?:(\d+)x)?(\d+)([eo])$")


class Irrep(tuple):
    """An irreducible representation of O(3): a degree ``l >= 0`` and a parity ``p`` in ``{+1, -1}``.

    ``Irrep(1, -1) == Irrep("1o")``. Under a rotation R it turns with ``wigner_D(l, R)``; under the inversion
    ``-I`` it is multiplied by ``p``. The spherical harmonics of degree l have parity ``(-1)^l``
    ("natural" irreps 0e, 1o, 2e, 3o, ...).

    Examples
    --------
    >>> from equi_core import Irrep
    >>> Irrep("1o") == Irrep(1, -1), Irrep("2e").dim
    (True, 5)
    >>> list(Irrep("1o") * Irrep("1o"))  # two vectors couple to a scalar, a pseudovector, a rank-2 tensor
    [0e, 1e, 2e]
    """

    def __new__(cls, l: int | str | Irrep, p: int | None = None) -> Irrep:
        if isinstance(l, Irrep) and p is None:
            return l
        if isinstance(l, str):
            if p is not None:
                raise ValueError("give either a string like '1o' or (l, p), not both")
            s = l.strip()
            m = re.fullmatch(r"(\d+)([eo])", s)
            if not m:
                raise ValueError(
                    f"cannot read {l!r} as an irrep: expected a degree followed by 'e' or 'o', like '0e' or '1o'"
                )
            l_val, p_val = int(m.group(1)), (1 if m.group(2) == "e" else -1)
        else:
            if isinstance(l, (bool, np.bool_)) or int(cast(int, l)) != l:
                raise ValueError(f"the degree l must be a non-negative integer, got {l!r}")
            if p not in (1, -1):
                raise ValueError(f"the parity must be +1 (even, 'e') or -1 (odd, 'o'), got {p!r}")
            l_val, p_val = int(l), int(p)
        if l_val < 0:
            raise ValueError(f"the degree l must be non-negative, got {l_val}")
        return super().__new__(cls, (l_val, p_val))

    @property
    def l(self) -> int:  # noqa: E743
        """The degree."""
        return self[0]

    @property
    def p(self) -> int:
        """The parity, +1 (even) or -1 (odd)."""
        return self[1]

    @property
    def dim(self) -> int:
        """``2l + 1``."""
        return 2 * self.l + 1

    def is_scalar(self) -> bool:
        """True for ``0e`` (a true scalar, invariant under all of O(3))."""
        return self.l == 0 and self.p == 1

    def __repr__(self) -> str:
        return f"{self.l}{'e' if self.p == 1 else 'o'}"

    __str__ = __repr__

    def __mul__(self, other: Irrep) -> Iterator[Irrep]:  # type: ignore[override]
        """Selection rule: the irreps in ``self (x) other``: ``|l1-l2| <= l <= l1+l2`` with parity ``p1 p2``."""
        other = Irrep(other)
        p = self.p * other.p
        for l in range(abs(self.l - other.l), self.l + other.l + 1):
            yield Irrep(l, p)

    def __rmul__(self, mul: int) -> Irreps:  # type: ignore[override]
        """``3 * Irrep("1o") == Irreps("3x1o")``."""
        return Irreps([(int(mul), self)])

    def D_from_matrix(self, R: ArrayLike) -> NDArray[np.float64]:
        """The matrix of this irrep for an orthogonal R (det +-1): ``p^k D^l(det(R) R)`` with ``det R = (-1)^k``."""
        M = check_rotation(R, allow_improper=True)
        det = _det3(M)
        sign = np.where(det < 0, float(self.p), 1.0)
        return sign[..., None, None] * wigner_D(self.l, det[..., None, None] * M)


class MulIr(NamedTuple):
    """A multiplicity and an irrep: ``mul`` copies of ``ir``.

    Examples
    --------
    >>> from equi_core import Irreps
    >>> block = Irreps("2x1o")[0]
    >>> block, block.mul, block.ir, block.dim
    (2x1o, 2, 1o, 6)
    """

    mul: int
    ir: Irrep

    @property
    def dim(self) -> int:
        """``mul * (2l + 1)``."""
        return self.mul * self.ir.dim

    def __repr__(self) -> str:
        return f"{self.mul}x{self.ir}"


_IrrepsLike = Union[str, "Irreps", Iterable]


class Irreps(tuple):
    """A direct sum of irreps with multiplicities, e.g. ``Irreps("2x0e + 1x1o + 3x2e")``; immutable and hashable.

    Guarantees
    ----------
    * ``Irreps(str(irreps)) == irreps`` (string round trip).
    * ``irreps.D_from_matrix(R)`` is block diagonal, orthogonal, and a homomorphism on O(3).
    * A malformed string raises ``ValueError`` naming the offending term and the grammar (:data:`IRREPS_GRAMMAR`).

    Examples
    --------
    >>> from equi_core import Irreps, random_rotation
    >>> irreps = Irreps("2x0e + 1o")
    >>> irreps.dim, str(irreps), Irreps(str(irreps)) == irreps
    (5, '2x0e + 1x1o', True)
    >>> np.diag(irreps.D_from_matrix(-np.eye(3)))  # the inversion: +1 on 0e, -1 on 1o
    array([ 1.,  1., -1., -1., -1.])
    >>> D = irreps.D_from_matrix(random_rotation(rng=0))
    >>> float(np.abs(D @ D.T - np.eye(5)).max()) < 1e-13
    True
    >>> Irreps("2x1q")
    Traceback (most recent call last):
    ...
    ValueError: ...
    """

    def __new__(cls, irreps: _IrrepsLike = ()) -> Irreps:
        if isinstance(irreps, Irreps):
            return irreps
        if isinstance(irreps, Irrep):
            return super().__new__(cls, (MulIr(1, irreps),))
        if isinstance(irreps, str):
            return super().__new__(cls, _parse(irreps))
        out: list[MulIr] = []
        for item in irreps:
            if isinstance(item, str):
                out.extend(_parse(item))
            elif isinstance(item, Irrep):
                out.append(MulIr(1, item))
            else:
                try:
                    mul, ir = item
                except (TypeError, ValueError):
                    raise ValueError(f"cannot read {item!r} as (multiplicity, irrep)") from None
                if isinstance(mul, (bool, np.bool_)) or int(mul) != mul or mul < 0:
                    raise ValueError(f"a multiplicity must be a non-negative integer, got {mul!r}")
                if not isinstance(ir, Irrep):
                    ir = Irrep(ir) if isinstance(ir, str) else Irrep(*ir)
                out.append(MulIr(int(mul), ir))
        return super().__new__(cls, tuple(out))

    # --- description ---------------------------------------------------------------------------------------
    @property
    def dim(self) -> int:
        """Total number of components."""
        return sum(mi.dim for mi in self)

    @property
    def num_irreps(self) -> int:
        """Number of irrep copies (sum of multiplicities)."""
        return sum(mi.mul for mi in self)

    @property
    def lmax(self) -> int:
        """The largest degree (ValueError for the empty sum)."""
        if len(self) == 0:
            raise ValueError("the empty Irreps has no lmax")
        return max(mi.ir.l for mi in self)

    @property
    def ls(self) -> list[int]:
        """The degree of every copy, in order (``"2x0e+1x1o"`` gives ``[0, 0, 1]``)."""
        return [mi.ir.l for mi in self for _ in range(mi.mul)]

    def slices(self) -> list[slice]:
        """The slice of the feature vector each ``MulIr`` occupies."""
        out, start = [], 0
        for mi in self:
            out.append(slice(start, start + mi.dim))
            start += mi.dim
        return out

    def remove_zero_multiplicities(self) -> Irreps:
        """The same irreps without the ``0x`` terms, neighbours NOT merged (``"1o + 0x2e + 1o"`` -> ``"1o + 1o"``).

        The data layout is unchanged (a ``0x`` term occupies no components).
        """
        return Irreps([mi for mi in self if mi.mul > 0])

    def simplify(self) -> Irreps:
        """Merge neighbouring equal irreps and drop zero multiplicities (``"1o + 1o + 0x2e"`` -> ``"2x1o"``).

        The data layout is unchanged; e3nn's ``Irreps.simplify``.
        """
        out: list[MulIr] = []
        for mi in self:
            if mi.mul == 0:
                continue
            if out and out[-1].ir == mi.ir:
                out[-1] = MulIr(out[-1].mul + mi.mul, mi.ir)
            else:
                out.append(mi)
        return Irreps(out)

    def sort(self) -> Irreps:
        """The same irreps ordered by (l, parity odd first), merged."""
        return Irreps(sorted(self, key=lambda mi: (mi.ir.l, mi.ir.p))).simplify()

    def __repr__(self) -> str:
        return "+".join(repr(mi) for mi in self)

    def __str__(self) -> str:
        return " + ".join(repr(mi) for mi in self)

    def __add__(self, other: _IrrepsLike) -> Irreps:
        return Irreps(tuple(self) + tuple(Irreps(other)))

    def __radd__(self, other: _IrrepsLike) -> Irreps:
        return Irreps(tuple(Irreps(other)) + tuple(self))

    def __getitem__(self, i: Any) -> Any:  # a MulIr for an index, an Irreps for a slice
        out = super().__getitem__(i)
        return Irreps(out) if isinstance(i, slice) else out

    def __eq__(self, other: object) -> bool:
        try:
            other_irreps = Irreps(other)  # type: ignore[arg-type]
        except (ValueError, TypeError):
            return False
        return tuple.__eq__(self, other_irreps)

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = tuple.__hash__

    def __contains__(self, ir: object) -> bool:
        try:
            ir = Irrep(ir)  # type: ignore[arg-type]
        except (ValueError, TypeError):
            return False
        return any(mi.ir == ir for mi in self)

    # --- action of O(3) -----------------------------------------------------------------------------------
    def D_from_matrix(self, R: ArrayLike) -> NDArray[np.float64]:
        """Block-diagonal representation matrix for orthogonal R (proper or improper), shape ``(..., dim, dim)``.

        For ``det R = -1`` each irrep of parity p contributes ``p * D^l(-R)``: ``1o`` gets ``R`` itself
        (a polar vector flips under inversion), ``1e`` gets ``-R`` (an axial vector does not).

        Raises
        ------
        ValueError
            If R is not orthogonal.
        """
        M = check_rotation(R, allow_improper=True)
        det = _det3(M)
        proper = det[..., None, None] * M
        out = np.zeros(M.shape[:-2] + (self.dim, self.dim))
        cache: dict[int, NDArray[np.float64]] = {}
        for (mul, ir), sl in zip(self, self.slices()):
            if mul == 0:
                continue
            if ir.l not in cache:
                cache[ir.l] = wigner_D(ir.l, proper)
            block = cache[ir.l] * np.where(det < 0, float(ir.p), 1.0)[..., None, None]
            d = ir.dim
            for k in range(mul):
                s = sl.start + k * d
                out[..., s : s + d, s : s + d] = block
        return out

    def randn(self, n: int | None = None, rng: int | np.random.Generator | None = None) -> NDArray[np.float64]:
        """Gaussian random features, shape ``(dim,)`` or ``(n, dim)``."""
        gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        return gen.standard_normal((self.dim,) if n is None else (int(n), self.dim))

    @staticmethod
    def spherical_harmonics(lmax: int, p: int = -1) -> Irreps:
        """The irreps of the spherical harmonics up to ``lmax`` of a vector of parity p: ``0e + 1o + 2e + ...``.

        One copy of every ``l <= lmax`` with parity ``p^l``; ``.dim == (lmax + 1)^2``.

        Raises
        ------
        ValueError
            If ``lmax`` is not an integer from 0 to :data:`MAX_IRREPS_L` or ``p`` is not +1 or -1.
        """
        lmax = check_int(lmax, "lmax", 0, MAX_IRREPS_L)
        if p not in (1, -1):
            raise ValueError(f"the parity must be +1 (even, 'e') or -1 (odd, 'o'), got {p!r}")
        return Irreps([(1, Irrep(l, p**l)) for l in range(lmax + 1)])


def as_irreps(irreps: object, name: str = "irreps", *, allow_lmax: bool = False) -> Irreps:
    """Read an argument that describes irreps: an :class:`Irreps` or an irreps string (see :data:`IRREPS_GRAMMAR`).

    Parameters
    ----------
    irreps : Irreps, str, or int
        With ``allow_lmax=True`` an integer ``L`` (not a bool) means ``Irreps.spherical_harmonics(L)``:
        ``0e + 1o + ... + L``.
    name : str
        The argument's name, used in the error message.

    Raises
    ------
    ValueError
        For a malformed string (the message names the offending term) or any other type (the message names
        ``name`` and what is allowed).

    Examples
    --------
    >>> from equi_core.o3.irreps import as_irreps
    >>> as_irreps("1o + 1o")  # kept as written; Irreps.simplify merges neighbours
    1x1o+1x1o
    >>> as_irreps(3.5)
    Traceback (most recent call last):
    ...
    ValueError: ...
    """
    if isinstance(irreps, Irreps):
        return irreps
    if isinstance(irreps, str):
        return Irreps(irreps)
    allowed = "an Irreps or an irreps string like '2x0e + 1x1o'"
    if allow_lmax:
        if isinstance(irreps, (int, np.integer)) and not isinstance(irreps, (bool, np.bool_)):
            return Irreps.spherical_harmonics(int(irreps))
        allowed = "an Irreps, an irreps string like '2x0e + 1x1o', or an int L >= 0"
    raise ValueError(f"{name} must be {allowed}; got {type(irreps).__name__}")


def check_features(x: ArrayLike, irreps: Irreps, name: str = "x") -> NDArray[np.float64]:
    """``x`` as float64 if its last axis matches ``irreps.dim`` (leading axes are a batch).

    Raises
    ------
    ValueError
        ``"<name> must have shape (..., dim) for irreps ... (dim d); got shape"`` otherwise (a scalar included).

    Examples
    --------
    >>> from equi_core import Irreps
    >>> from equi_core.o3.irreps import check_features
    >>> check_features(np.ones((2, 4)), Irreps("1x0e + 1x1o")).shape
    (2, 4)
    >>> check_features(np.ones((2, 5)), Irreps("1x0e + 1x1o"))
    Traceback (most recent call last):
    ...
    ValueError: x must have shape (..., 4) for irreps 1x0e + 1x1o (dim 4); got (2, 5)
    """
    a = np.asarray(x, dtype=np.float64)
    if a.ndim == 0 or a.shape[-1] != irreps.dim:
        raise ValueError(
            f"{name} must have shape (..., {irreps.dim}) for irreps {irreps} (dim {irreps.dim}); got {a.shape}"
        )
    return a


def _parse(text: str) -> tuple[MulIr, ...]:
    if not isinstance(text, str):
        raise ValueError(f"irreps must be given as a string, got {type(text).__name__}")
    if len(text) > 2000:
        raise ValueError(f"the irreps string is too long ({len(text)} characters; at most 2000). {IRREPS_GRAMMAR}")
    compact = re.sub(r"\s+", "", text)
    if compact == "":
        return ()
    out = []
    total = 0
    for raw in compact.split("+"):
        if raw == "":
            raise ValueError(f"empty term in {text!r} (two '+' in a row, or a '+' at an end). {IRREPS_GRAMMAR}")
        m = _TERM.match(raw)
        if not m:
            hint = ""
            if re.fullmatch(r"\d+x", raw):
                hint = " (the degree and parity are missing after the multiplicity)"
            elif re.fullmatch(r"(\d+x)?\d+", raw):
                hint = " (the parity letter 'e' or 'o' is missing)"
            elif re.fullmatch(r"(\d+x)?\d+[a-zA-Z]", raw):
                hint = f" (the parity must be 'e' or 'o', not {raw[-1]!r})"
            elif raw.startswith("-"):
                hint = " (negative numbers are not allowed)"
            raise ValueError(f"cannot read the term {raw!r}{hint}. {IRREPS_GRAMMAR}")
        mul = int(m.group(1)) if m.group(1) is not None else 1
        l = int(m.group(2))
        if l > MAX_IRREPS_L:
            raise ValueError(f"the degree in {raw!r} is {l}; at most l = {MAX_IRREPS_L} is allowed here")
        total += mul * (2 * l + 1)
        if total > MAX_IRREPS_DIM:
            raise ValueError(f"these irreps have more than {MAX_IRREPS_DIM} components; use fewer or smaller terms")
        out.append(MulIr(mul, Irrep(l, 1 if m.group(3) == "e" else -1)))
    return tuple(out)
