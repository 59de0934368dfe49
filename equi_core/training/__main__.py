"""Command line of the training lab.

``python -m equi_core.training experiment NAME [--quick|--live] [--workers K | --ray auto|ADDRESS] [--out F]`` runs
one Training-lab experiment under the lab's protocol (:mod:`equi_core.training.experiment_cli`); the older spelling
``python -m equi_core.training NAME ...`` does the same.

``python -m equi_core.training dataset --molecule ethanol --temperature 500 --frames 2000 --out F.npz`` makes a
GFN2-xTB Langevin dataset (:mod:`equi_core.training.molecular_data`; needs tblite).

``python -m equi_core.training md --model all --molecule ethanol --ensemble nve --steps S --dt 0.5 [--out DIR]``
runs molecular dynamics with the shipped models and the GFN2-xTB reference (:mod:`equi_core.training.md_cli`).

``python -m equi_core.training tetris [--quick] --out F.json`` runs the Tetris lesson's comparison
(:mod:`equi_core.training.tetris_cli`).
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "dataset":
        from .molecular_cli import dataset_main

        return dataset_main(argv[1:])
    if argv and argv[0] == "train":
        from .molecular_cli import train_main

        return train_main(argv[1:])
    if argv and argv[0] == "md":
        from .md_cli import md_main

        return md_main(argv[1:])
    if argv and argv[0] == "tetris":
        from .tetris_cli import tetris_main

        return tetris_main(argv[1:])
    from .experiment_cli import experiment_main

    if argv and argv[0] == "experiment":
        return experiment_main(argv[1:])
    return experiment_main(argv)


if __name__ == "__main__":
    raise SystemExit(main())
