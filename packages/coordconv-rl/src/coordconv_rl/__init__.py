"""coordconv-rl: A2C agents on Atari with conv and CoordConv policies (S8, table S7).

Liu et al., "An intriguing failing of convolutional neural networks and the CoordConv
solution", NeurIPS 2018, arXiv:1807.03247.

- :mod:`.a2c`: the A2C training loop ``train``, built from :mod:`.a2c_config` (``A2CConfig``,
  baselines defaults), :mod:`.a2c_maths` (returns, loss, update) and :mod:`.a2c_episodes`
  (episode ends, lr schedule)
- :mod:`.networks`: Nature CNN actor-critic with the conv layer passed as a callable
- :mod:`.envs`: ``AtariVectorEnv`` / gymnasium-wrapper pipelines and the tiny env
- :mod:`.target_reach`: TargetReach, a tiny pixel env for CI-sized learning tests
- :mod:`.games`: the nine table S7 games and the paper's scores
- :mod:`.experiment`, :mod:`.report`: the grid of runs and table S7 with Welch's t-test
"""

__version__ = "0.1.0"
