"""Landelijke stapeling: the stapeling of any extent, up to the whole country, in tegels.

A fixed grid of square tegels in RD, aligned to the stapeling's grid (`tegels`); each
tegel's stapeling is computed on its own, exactly, from its inputs cut to it (`tegels`);
statistics are sums over tegels (`statistiek`); faces cut by tegel borders are joined again
(`samenvoegen`); the tegels of an extent run on Dask (`verdeeld`).
"""
