"""The datasets section of the Training lab (:mod:`equi_core.lessons.molecular_datasets`): every number it shows is
recomputed here from the ``.npz`` files and their metadata."""

from __future__ import annotations

import numpy as np
import pytest

from equi_core.lessons import molecular_datasets as mdata
from equi_core.training.molecular_data import load_dataset, shipped_datasets


def test_one_summary_per_shipped_dataset_in_catalogue_order() -> None:
    assert [s.name for s in mdata.dataset_summaries()] == list(shipped_datasets())


@pytest.mark.parametrize("name", shipped_datasets())
def test_summary_numbers_are_the_files_own(name: str) -> None:
    s = {d.name: d for d in mdata.dataset_summaries()}[name]
    ds = load_dataset(name)
    meta = ds.metadata
    assert (s.n_atoms, s.n_frames) == (len(ds.numbers), len(ds.energy))
    assert s.temperature_K == meta["temperature_K"] and s.stride == meta["stride"]
    assert s.sample_spacing_fs == pytest.approx(meta["stride"] * meta["timestep_fs"], rel=1e-12)
    assert s.tau_energy_fs == pytest.approx(meta["tau_int_energy_steps"] * meta["timestep_fs"], rel=1e-12)
    # frames are at least 2 tau_int apart (the decorrelation rule the text states)
    assert s.sample_spacing_fs >= 2 * max(s.tau_energy_fs, s.tau_distances_fs)
    assert s.energy_std_meV_per_atom == pytest.approx(1000 * np.std(ds.energy) / len(ds.numbers), rel=1e-12)
    assert s.mean_abs_force == pytest.approx(np.mean(np.abs(ds.forces.astype(np.float64))), rel=1e-12)
    assert s.energy_std_meV_per_atom > 1.0 and 0.1 < s.mean_abs_force < 5.0  # real thermal fluctuations
    rec = s.record()
    assert rec["frames"] == s.n_frames and rec["command"] == meta["command"]


def test_columns_match_the_records() -> None:
    cols = mdata.dataset_columns()
    sums = mdata.dataset_summaries()
    assert all(len(v) == len(sums) for v in cols.values())
    assert cols["atoms"] == [s.n_atoms for s in sums]


def test_force_histograms_are_densities_on_one_grid() -> None:
    hists = mdata.force_histograms()
    assert list(hists) == list(shipped_datasets())
    grids = [c for c, _ in hists.values()]
    for c, dens in hists.values():
        np.testing.assert_array_equal(c, grids[0])
        assert float(np.sum(dens) * (c[1] - c[0])) == pytest.approx(1.0, abs=1e-12)
        assert (dens >= 0).all()
    with pytest.raises(ValueError, match="n_bins"):
        mdata.force_histograms(1)


def test_text_names_every_dataset_with_its_numbers() -> None:
    text = mdata.dataset_text()
    for s in mdata.dataset_summaries():
        assert (
            f"{s.name.replace('_', ' ')} ({s.n_atoms} atoms, {s.n_frames:,} frames {s.sample_spacing_fs:g} fs apart)"
            in text
        )


def test_a_dataset_made_with_a_given_stride_shows_n_a(monkeypatch: pytest.MonkeyPatch) -> None:
    # a dataset made with --stride has no pilot run: its autocorrelation times are None, and the page must not break
    ds = load_dataset("ethanol")
    meta = dict(ds.metadata, tau_int_energy_steps=None, tau_int_distances_steps=None)
    meta.pop("wall_time_s")
    monkeypatch.setattr(mdata, "load_dataset", lambda name: type(ds)(**{**ds.__dict__, "metadata": meta}))
    rec = mdata._summary("ethanol").record()
    assert rec["τ_int energy (fs)"] == rec["τ_int distances (fs)"] == rec["made in (s)"] == "n/a"
    assert rec["frames"] == len(ds)
