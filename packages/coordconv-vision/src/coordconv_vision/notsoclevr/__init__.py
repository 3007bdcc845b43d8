"""The supervised coordinate tasks on Not-so-Clevr (paper section 4, S1-S4, table S1).

Coordinate classification ((x, y) -> one of 4,096 pixels), coordinate regression (one-hot
image -> (x, y)) and supervised rendering ((x, y) -> the 64x64 image of the square), each with
conv/deconv baselines and CoordConv models.
"""
