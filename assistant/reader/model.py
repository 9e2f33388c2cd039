"""A fitted linear scorer, stored as JSON (feature names, standardisation, weights, refusal threshold) and applied
with numpy: nothing is unpickled and no learning library is imported at run time. `eval/fit_reader.py` fits it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parents[1] / "data"


@dataclass(frozen=True)
class LinearModel:
    """P(label | features) = sigmoid(((x - mean) / scale) · coef + intercept)."""

    names: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    threshold: float = 0.5  # below it the best candidate is not an answer (chosen on tune data)
    about: dict = field(default_factory=dict)  # how and on what it was fitted, and its held-out figures

    def prob(self, x: np.ndarray) -> np.ndarray:
        z = ((np.atleast_2d(x) - self.mean) / self.scale) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))

    def contributions(self, x: np.ndarray) -> dict[str, float]:
        """Each feature's share of the score of one candidate, against an average candidate."""
        return dict(zip(self.names, ((x - self.mean) / self.scale) * self.coef, strict=True))

    def to_json(self) -> dict:
        return {"names": list(self.names), "mean": self.mean.tolist(), "scale": self.scale.tolist(),
                "coef": self.coef.tolist(), "intercept": self.intercept, "threshold": self.threshold,
                "about": self.about}

    @classmethod
    def from_json(cls, d: dict, expected: tuple[str, ...] | None = None, source: str = "") -> LinearModel:
        names = tuple(d["names"])
        if expected is not None and names != expected:
            missing, extra = set(expected) - set(names), set(names) - set(expected)
            raise ValueError(f"{source}: fitted for other features (missing {sorted(missing)}, extra {sorted(extra)}); "
                             "refit with eval/fit_reader.py")
        arrays = [np.asarray(d[k], dtype=np.float64) for k in ("mean", "scale", "coef")]
        if any(a.shape != (len(names),) for a in arrays):
            raise ValueError(f"{source}: mean/scale/coef must each hold one value per feature")
        return cls(names, *arrays, float(d["intercept"]), float(d.get("threshold", 0.5)), d.get("about", {}))

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_json(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


@cache
def shipped(name: str, expected: tuple[str, ...]) -> LinearModel:
    """The fitted model assistant/data/reader_{name}.json, checked against the features the code computes."""
    path = DATA / f"reader_{name}.json"
    return LinearModel.from_json(json.loads(path.read_text(encoding="utf-8")), expected, str(path))
