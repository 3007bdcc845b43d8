"""coordconv-rl: A2C agents on Atari with conv and CoordConv policies (S8, table S7).

Liu et al., "An intriguing failing of convolutional neural networks and the CoordConv
solution", NeurIPS 2018, arXiv:1807.03247.

- :mod:`.a2c`: A2C in one file, top to bottom: ``A2CConfig`` (baselines defaults), episode
  ends and reward clipping, n-step returns, the loss and update, and the loop ``train`` on
  :class:`coordconv_train.Run`
- :mod:`.rmsprop_tf`: RMSprop as TensorFlow 1 computes it (baselines' optimiser)
- :mod:`.evaluate`: the final evaluation on true game scores
- :mod:`.networks`: Nature CNN actor-critic with the conv layer passed as a callable
- :mod:`.envs`: the vector envs the agent steps: Atari (two backends) and the tiny env
- :mod:`.deepmind`: baselines' DeepMind wrappers (episodic life, FIRE, frame stack) as one
  vector env over :mod:`.emulators`, one Atari game each (no-op start, frame skip, 84x84)
- :mod:`.target_reach`: TargetReach, a tiny pixel env for CI-sized learning tests
- :mod:`.games`: the nine table S7 games and the paper's scores
- :mod:`.experiment`, :mod:`.report`: the grid of runs and table S7 with Welch's t-test
"""

__version__ = "0.1.0"
