"""Constants shared by the coverage engine and its two sets of kernels (numba, numpy)."""

#: Coverage below this is treated as outside (the running sums leave ~1e-15 residues).
COVERAGE_EPS = 1e-12

#: Lattice step (cells) of the areal-scale grid of non-equal-area projected rasters; the
#: scale is interpolated bilinearly in between (error < 1e-7 for UTM at 10-30 m cells).
SCALE_STEP = 64
