"""Prints a short hash of everything a trained model depends on.

The Makefile names the model after it, so `make train` retrains only when the config,
domain, training data, our NLU components or the pinned dependencies change.
Standard library only: it runs before the virtualenv exists.
"""
import hashlib
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
INPUTS = ["config.yml", "domain.yml", "requirements.txt", "data", "bot/nlu", "bot/classify",
          "bot/dialogue"]


def files():
    for name in INPUTS:
        path = ROOT / name
        if path.is_file():
            yield path
        elif path.is_dir():
            yield from sorted(
                p for p in path.rglob("*")
                if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
            )


def model_hash() -> str:
    digest = hashlib.sha256()
    for path in files():
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


if __name__ == "__main__":
    sys.stdout.write(model_hash() + "\n")
