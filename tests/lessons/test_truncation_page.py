"""What the "Truncation at L" page shows: the targets, their errors at L, the silent degrees a symmetry forces,
the bond-preset table and the quizzes (closed forms: (L + 1)^2, star_needs_degree = n, Parseval)."""

from __future__ import annotations

import numpy as np
import pytest

from equi_core.lessons import truncation as T


def _view(target: str, **kw):
    args = {"kappa": 25, "n": 5, "cap": 30, "band": 8, "seed": 0} | kw
    return T.truncation_view(T.target_key(target, **args))


def test_target_key_keeps_only_the_used_parameters():
    assert T.target_key("water", 25, 5, 30, 8, 0) == ("water", 25, 0, 0, 0, 0)
    assert T.target_key("star", 25, 7, 30, 8, 0) == ("star", 25, 7, 0, 0, 0)
    assert T.target_key("cap", 25, 7, 40, 8, 3) == ("cap", 0, 0, 40, 0, 0)
    assert T.target_key("random", 25, 7, 40, 8, 3) == ("random", 0, 0, 0, 8, 3)


@pytest.mark.parametrize("target", list(T.TARGETS))
def test_views_of_every_target(target):
    view = _view(target)
    study = view.study
    assert view.original.shape == T.GRID
    assert len(study.ls) == T.L_MAX + 1
    assert np.all(np.diff(study.rel_l2_error) <= 1e-15)  # Parseval: never increases
    for L in (0, 4, 20):
        assert view.error_at(L) == (float(study.rel_l2_error[L]), float(study.rel_max_error[L]))
    assert (view.directions is not None) == (target in T.BONDS)
    assert (view.description is not None) == (target in T.TARGET_MOLECULES)
    cols = T.study_columns(study)
    assert list(cols["numbers_per_feature"]) == [(L + 1) ** 2 for L in range(T.L_MAX + 1)]


def test_band_limited_target_is_exact_from_its_band():
    study = _view("random", band=8).study
    assert study.rel_l2_error[7] > 1e-3 and study.rel_l2_error[8] < 1e-12


def test_symmetry_silences_degrees():
    assert {1, 2} <= set(T.silent_degrees(_view("methane").study))  # a tetrahedron: nothing at l = 1, 2
    assert {1, 3, 5} <= set(T.silent_degrees(_view("benzene").study))  # a centre of inversion: no odd degree
    assert 2 not in T.silent_degrees(_view("benzene").study)


def test_degree_table():
    rows = T.degree_table(25, 5)
    assert [r[0] for r in rows] == [_view(b).name for b in T.BONDS]
    for _, need10, need1, err4 in rows:
        assert need10 is not None and need1 is not None and need10 <= need1
        assert 0 < err4 < 1
    sharper = T.degree_table(100, 5)
    need = [T.L_MAX + 1 if s[1] is None else s[1] for s in sharper]  # None: more than L_MAX
    assert all(n >= r[1] for n, r in zip(need, rows)) and sum(need) > sum(r[1] for r in rows)  # sharper: more


def test_quiz_answers():
    study = _view("water").study
    q = T.quizzes(7, 4, study)
    assert q["q_star"].answer == 7 and q["q_count"].answer == 25 == T.num_coefficients(4)
    assert q["q_mono"].answer == "it never increases"
    blind = T.blind_spot(5, T.L_MAX)
    cols = T.blind_columns(blind)
    assert len(cols["l"]) == len(cols["feature_difference"]) == T.L_MAX + 1
    assert float(np.max(cols["feature_difference"][:5])) < 1e-12 < float(cols["feature_difference"][5])
