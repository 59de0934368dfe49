"""Tests of equi_core.lessons.tensor_products: 1 (x) 1 on two vectors, the path census, timings, power-law fits."""

from __future__ import annotations

import math

import numpy as np
import pytest

from equi_core import random_rotation
from equi_core.lessons import tensor_products as TP
from equi_core.o3 import gaunt as G


def test_cross_product_vanishes_in_gaunt_but_not_in_cg():
    u, v = np.array([1.0, -2.0, 3.0]), np.array([0.5, 1.0, 2.0])
    rows = TP.couple_two_vectors(u, v, random_rotation(rng=4))
    assert [r.irrep for r in rows] == ["0e", "1e", "2e"]
    for r in rows:
        assert np.abs(r.cg - r.cartesian).max() < 1e-14
        assert r.equivariance_error < 1e-13
    dot, cross, sym = rows
    assert dot.cg[0] == pytest.approx(np.dot(u, v) / math.sqrt(3), rel=1e-14)
    assert np.abs(cross.cg - np.cross(u, v) / math.sqrt(6)).max() < 1e-14
    assert np.linalg.norm(cross.cg) > 1.0
    assert np.abs(cross.gaunt).max() < 1e-15  # the Gaunt product cannot make a cross product
    assert cross.gaunt_constant == 0.0
    assert np.abs(dot.gaunt - dot.gaunt_constant * dot.cg).max() < 1e-14
    assert np.abs(sym.gaunt - sym.gaunt_constant * sym.cg).max() < 1e-14


def test_path_census_small_cases():
    c1 = TP.path_census(1)
    assert (c1.total, c1.even, c1.odd, c1.lost) == (5, 4, 1, ((1, 1, 1),))
    c2 = TP.path_census(2)
    assert set(c2.lost) == {(1, 1, 1), (1, 2, 2), (2, 1, 2), (2, 2, 1)}
    c6 = TP.path_census(6)
    a, b, c = np.meshgrid(*[np.arange(7)] * 3, indexing="ij")
    alive = (np.abs(a - b) <= c) & (c <= a + b)
    assert (c6.total, c6.odd) == (int(alive.sum()), int((alive & ((a + b + c) % 2 == 1)).sum())) == (175, 69)
    assert c6.total == c6.even + c6.odd


def test_fit_power_law_recovers_exponent():
    xs = np.array([2.0, 4.0, 8.0, 16.0])
    a, c = TP.fit_power_law(xs, 3.0 * xs**4.5)
    assert a == pytest.approx(4.5, abs=1e-12) and c == pytest.approx(3.0, rel=1e-10)
    with pytest.raises(ValueError):
        TP.fit_power_law([1.0], [2.0])


def test_time_products_runs_and_reports_counts():
    t = TP.time_products(2, batch=4, repeat=1)
    assert t.cg_seconds > 0 and t.gaunt_seconds > 0
    assert t.cg_multiply_adds == G.count_cg_operations(2)
    assert t.gaunt_operations == G.count_gaunt_operations(2).total
    with pytest.raises(ValueError):
        TP.time_products(100)
