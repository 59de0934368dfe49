"""The torch training lab: the seed's claims as experiments (see ``python -m equi_core.training --help``).

Modules: :mod:`.data` (synthetic environments and their invariant energies), :mod:`.features` (torch
spherical harmonics in the e3nn basis, radial basis, power spectrum), :mod:`.layers` (CG tensor products
with :func:`equi_core.clebsch_gordan` buffers, gate and norm nonlinearities), :mod:`.models`,
:mod:`.train` (training loop, stop/progress hook), :mod:`.experiments` (the five experiments) and
``results/`` (shipped results made by the CLI). The molecular lab: :mod:`.molecular` (public entry points:
``load_dataset``, ``split_dataset``, ``make_model``, ``energy_and_forces``, ``fit``, ``save_model``/``load_model``,
``LabCalculator``), :mod:`.molecular_data` (GFN2-xTB Langevin datasets, ``datasets/``), :mod:`.molecular_models`
(NequIP-style, TensorNet-style, transformer and direct-force transformer) and ``models/`` (shipped trained models).
Nothing here is imported by ``import equi_core``: torch
loads only when the lab is used.
"""
