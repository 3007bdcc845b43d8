"""The nine Atari games of table S7 and the paper's numbers (S8, table S7).

Liu et al., "An intriguing failing of convolutional neural networks and the CoordConv
solution", NeurIPS 2018 (arXiv:1807.03247), supplementary S8: A2C (OpenAI baselines defaults),
10 runs per model and game, mean final score and p-value.

Game names are accepted as gymnasium ids (``ALE/MsPacman-v5``), as the paper's short names
(``MsPacman``, ``ms_pacman``, ``Ms. Pacman``) and resolved to ale-py ROM ids (``ms_pacman``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from coordconv_train import UserError

TINY_ENV_ID = "coordconv_rl/TargetReach-v0"


@dataclass(frozen=True)
class PaperScore:
    """One row of table S7: mean final score over 10 runs per model, and the p-value."""

    game: str  # gymnasium id, e.g. "ALE/MsPacman-v5"
    title: str  # as printed in the paper
    conv: float
    coordconv: float
    p_value: float


TABLE_S7: tuple[PaperScore, ...] = (
    PaperScore("ALE/Alien-v5", "Alien", 1462.5, 2005.0, 0.0821),
    PaperScore("ALE/BankHeist-v5", "Bank Heist", 932.5, 1330.0, 0.1736),
    PaperScore("ALE/MsPacman-v5", "Ms. Pacman", 2557.5, 3945.0, 0.0065),
    PaperScore("ALE/Robotank-v5", "Robotank", 2.75, 3.5, 0.2899),
    PaperScore("ALE/Centipede-v5", "Centipede", 3359.5, 3424.5, 0.8703),
    PaperScore("ALE/Asterix-v5", "Asterix", 16250.0, 35300.0, 0.0003),
    PaperScore("ALE/Asteroids-v5", "Asteroids", 2082.5, 1912.5, 0.1124),
    PaperScore("ALE/Amidar-v5", "Amidar", 1092.75, 1137.5, 0.2265),
    PaperScore("ALE/Seaquest-v5", "Seaquest", 1780.0, 1780.0, 0.4057),
)
PAPER_GAMES: tuple[str, ...] = tuple(row.game for row in TABLE_S7)

# (random, human) scores of the nine games (Mnih et al. 2015, "Human-level control through deep
# reinforcement learning", the values dopamine and rliable normalise Atari scores with)
RANDOM_HUMAN: dict[str, tuple[float, float]] = {
    "ALE/Alien-v5": (227.8, 7127.7),
    "ALE/BankHeist-v5": (14.2, 753.1),
    "ALE/MsPacman-v5": (307.3, 6951.6),
    "ALE/Robotank-v5": (2.2, 11.9),
    "ALE/Centipede-v5": (2090.9, 12017.0),
    "ALE/Asterix-v5": (210.0, 8503.3),
    "ALE/Asteroids-v5": (719.1, 47388.7),
    "ALE/Amidar-v5": (5.8, 1719.5),
    "ALE/Seaquest-v5": (68.4, 42054.7),
}


def _squash(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def paper_score(env_id: str) -> PaperScore | None:
    """The table S7 row for a gymnasium id, or None for a game the paper did not run."""
    return next((row for row in TABLE_S7 if row.game == env_id), None)


def human_normalised(env_id: str, score: float) -> float | None:
    """``(score - random) / (human - random)`` for a table S7 game; None for other envs."""
    if env_id not in RANDOM_HUMAN:
        return None
    random, human = RANDOM_HUMAN[env_id]
    return (score - random) / (human - random)


def resolve_env_id(name: str) -> str:
    """Normalise a game name to a gymnasium id.

    ``ALE/<Game>-v5`` and the tiny environment's id pass through; a short name of one of the
    nine table S7 games (``MsPacman``, ``ms_pacman``, ``Ms. Pacman``, case and punctuation
    ignored) or of any other ale-py game (``Pong``) becomes its ``ALE/<Game>-v5`` id.
    Anything else is a :class:`UserError`.
    """
    if name == TINY_ENV_ID:
        return name
    if name.startswith("ALE/"):
        rom_id(name)  # an id ale-py does not know is refused here, before anything is written
        return name
    for row in TABLE_S7:
        short = row.game.removeprefix("ALE/").removesuffix("-v5")
        if _squash(name) in (_squash(short), _squash(row.title)):
            return row.game
    import ale_py
    import gymnasium as gym

    gym.register_envs(ale_py)
    for env_id in gym.registry:
        short = env_id.removeprefix("ALE/").removesuffix("-v5")
        if env_id.startswith("ALE/") and env_id.endswith("-v5") and _squash(short) == _squash(name):
            return env_id
    raise UserError(
        f"unknown environment {name!r}: give an ALE/<Game>-v5 id or game name, {TINY_ENV_ID}, or one of the "
        f"table S7 games ({', '.join(r.game.removeprefix('ALE/').removesuffix('-v5') for r in TABLE_S7)})"
    )


def rom_id(env_id: str) -> str:
    """The ale-py ROM id (``ms_pacman``) behind a gymnasium ``ALE/<Game>-v5`` id."""
    import ale_py
    import gymnasium as gym

    gym.register_envs(ale_py)
    try:
        spec = gym.spec(env_id)
    except gym.error.Error as exc:
        raise UserError(f"unknown Atari environment {env_id!r} ({exc})") from exc
    except ValueError as exc:  # a malformed id
        raise UserError(f"{env_id!r} is not an environment id ({exc})") from exc
    game = spec.kwargs.get("game")
    if not isinstance(game, str):
        raise UserError(f"{env_id!r} is not an ale-py Atari environment")
    return game
